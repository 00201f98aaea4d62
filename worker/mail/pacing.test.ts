// The account-wide token bucket the Pacer object runs: pure, with an injected clock.
import { describe, expect, it } from "vitest";
import { book, newBucket, reserve, type Bucket } from "./pacing.ts";

/** Books `n` slots at `now` the way the Pacer object does, returning each send time. */
function sendTimes(n: number, rate: number, now: number, maxWaitMs = Infinity): (number | null)[] {
  let bucket: Bucket | null = null;
  const out: (number | null)[] = [];
  for (let i = 0; i < n; i++) {
    const r = book(bucket, rate, maxWaitMs, now);
    bucket = r.bucket;
    out.push(r.slot.ok ? now + r.slot.waitMs : null);
  }
  return out;
}

describe("pacing", () => {
  it("spaces a burst at the configured rate without dropping any", () => {
    expect(sendTimes(5, 2, 0)).toEqual([0, 0, 500, 1000, 1500]);
    expect(sendTimes(4, 1, 0)).toEqual([0, 1000, 2000, 3000]);
  });

  it("refills over time up to the burst size", () => {
    const cfg = { ratePerSec: 2, burst: 2 };
    let b = newBucket(cfg, 0);
    b = reserve(b, cfg, 0).bucket;
    b = reserve(b, cfg, 0).bucket;
    expect(reserve(b, cfg, 250).waitMs).toBe(250);
    expect(reserve(b, cfg, 10_000).waitMs).toBe(0);
  });

  it("turns a wait longer than the limit into a retry and leaves the line unchanged", () => {
    // 2/s with at most 1 s in line: two go now, two wait, the fifth is told to come back.
    expect(sendTimes(5, 2, 0, 1_000)).toEqual([0, 0, 500, 1000, null]);
    const full = sendTimes(6, 2, 0, 1_000);
    expect(full.slice(4)).toEqual([null, null]);
    const r = book({ tokens: -2, at: 0 }, 2, 1_000, 0);
    expect(r.slot).toEqual({ ok: false, retryAfterMs: 1500 });
    expect(r.bucket).toEqual({ tokens: -2, at: 0 });
  });
});
