// 1,000 due emails through the real SDK against the fake Resend with 30 % injected faults (5xx,
// 429, timeouts) plus re-runs of already-sent steps: every key delivered exactly once, none lost.
import { expect, it } from "vitest";
import { runFaultInjection } from "../support/fault-run.ts";

it("delivers 1,000 emails exactly once under 30 % faults", { timeout: 120_000 }, async () => {
  const r = await runFaultInjection({
    emails: 1000,
    concurrency: 50,
    faults: {
      seed: 42,
      error5xx: 0.1,
      rateLimit429: 0.1,
      retryAfterSec: 0.02,
      slow: 0.1,
      slowMs: 800,
    },
    timeoutMs: 400,
    policy: { baseMs: 5, capMs: 200, maxAttempts: 40 },
    rerunEvery: 5,
  });
  console.log(`fault-injection figures ${JSON.stringify(r.figures, null, 2)}`);
  const f = r.figures;
  const kinds = f.injected_by_kind as Record<string, number>;
  const reasons = f.client_retry_reasons as Record<string, number>;

  expect(r.failures).toEqual([]);
  expect(r.sends).toHaveLength(1000);
  expect(f.lost).toBe(0);
  expect(f.keys_sent_more_than_once).toBe(0);
  for (const key of r.keys) {
    const ids = r.idsByKey.get(key);
    expect(ids?.size).toBe(1); // every successful attempt (incl. re-runs) saw the same Resend id
    expect([...(ids ?? [])][0]).toBe(r.sends.find((s) => s.idempotencyKey === key)?.id);
  }
  expect(f.fault_share).toBeGreaterThan(0.25);
  expect(kinds["5xx"]).toBeGreaterThan(100);
  expect(kinds["429"]).toBeGreaterThan(100);
  expect(kinds.slow).toBeGreaterThan(100);
  expect(reasons.timeout).toBeGreaterThan(100);
});
