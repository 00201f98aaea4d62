// Backoff, retry decisions and pacing: pure, with injected rng and clock.
import { describe, expect, it } from "vitest";
import { PacedSender, type PaceClock } from "./paced-sender.ts";
import { backoff, newBucket, nextAttempt, paceTimes, reserve } from "./retry.ts";
import type { OutgoingEmail, Sender, SendResult } from "./sender.ts";

describe("backoff", () => {
  it("is full-jitter exponential and capped", () => {
    expect(backoff(0, () => 0.999, { baseMs: 100 })).toBe(99);
    expect(backoff(3, () => 0.5, { baseMs: 100 })).toBe(400);
    expect(backoff(50, () => 0.999, { baseMs: 100, capMs: 5000 })).toBe(4995);
    expect(backoff(2, () => 0, { baseMs: 100 })).toBe(0);
    expect(backoff(-1, () => 0.5, { baseMs: 100 })).toBe(50);
  });
});

describe("nextAttempt", () => {
  const rng = () => 0.5;
  it("is done on success and fails permanent errors at once", () => {
    expect(nextAttempt({ ok: true, id: "x" }, 0, rng)).toEqual({ action: "done", id: "x" });
    expect(
      nextAttempt({ ok: false, retryable: false, reason: "http_422_validation_error" }, 0, rng),
    ).toEqual({
      action: "fail",
      reason: "http_422_validation_error",
    });
  });
  it("waits at least Retry-After and gives up after maxAttempts", () => {
    const r429: SendResult = {
      ok: false,
      retryable: true,
      retryAfterMs: 30_000,
      reason: "http_429_rate_limit_exceeded",
    };
    expect(nextAttempt(r429, 0, rng)).toEqual({
      action: "retry",
      delayMs: 30_000,
      reason: r429.reason,
    });
    const r5xx: SendResult = {
      ok: false,
      retryable: true,
      reason: "http_500_internal_server_error",
    };
    expect(nextAttempt(r5xx, 1, rng, { baseMs: 1000 })).toMatchObject({
      action: "retry",
      delayMs: 1000,
    });
    expect(nextAttempt(r5xx, 4, rng, { maxAttempts: 5 })).toMatchObject({ action: "fail" });
  });
});

describe("token bucket", () => {
  it("spaces a burst at the configured rate without dropping any", () => {
    expect(paceTimes(5, { ratePerSec: 2 }, 0)).toEqual([0, 500, 1000, 1500, 2000]);
    expect(paceTimes(4, { ratePerSec: 2, burst: 2 }, 0)).toEqual([0, 0, 500, 1000]);
  });
  it("refills over time up to the burst size", () => {
    const cfg = { ratePerSec: 2, burst: 2 };
    let b = newBucket(cfg, 0);
    b = reserve(b, cfg, 0).bucket;
    b = reserve(b, cfg, 0).bucket;
    expect(reserve(b, cfg, 250).waitMs).toBe(250);
    expect(reserve(b, cfg, 10_000).waitMs).toBe(0);
  });
  it("PacedSender sends every email, 2 per second", async () => {
    let now = 0;
    const sentAt: number[] = [];
    const clock: PaceClock = { now: () => now, sleep: async (ms) => void (now += ms) };
    const inner: Sender = {
      send: async () => (sentAt.push(now), { ok: true, id: String(sentAt.length) }),
    };
    const paced = new PacedSender(inner, { ratePerSec: 2 }, clock);
    const msg = { idempotencyKey: "k" } as OutgoingEmail;
    for (let i = 0; i < 6; i++) await paced.send(msg);
    expect(sentAt).toEqual([0, 500, 1000, 1500, 2000, 2500]);
  });
});
