// The account-wide token bucket the Pacer object runs: pure, with an injected clock. At 2/s the
// pace is 1.8/s (PACE_SHARE): one send every 555.6 ms (waits are rounded up to the millisecond).
import { describe, expect, it } from "vitest";
import {
  book,
  bookSend,
  newBucket,
  newLine,
  reserve,
  TICKET_GRACE_MS,
  type Bucket,
} from "./pacing.ts";

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

/** Most of `times` within any 1-s window [t, t + 1000). */
function maxInAnySecond(times: number[]): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < t.length; j++) {
    while (t[j]! - t[i]! >= 1000) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

describe("pacing", () => {
  it("spaces a burst evenly, just under the limit, without dropping any", () => {
    expect(sendTimes(5, 2, 0)).toEqual([0, 556, 1112, 1667, 2223]);
    expect(sendTimes(4, 1, 0)).toEqual([0, 1112, 2223, 3334]);
  });

  it("never gives more slots than the limit in any second", () => {
    for (const rate of [1, 2, 5, 7, 100]) {
      const times = sendTimes(rate * 6, rate, 0) as number[];
      expect(maxInAnySecond(times)).toBeLessThanOrEqual(rate);
      // Room for a call to arrive a little late: the limit-th slot after one is over 1 s on.
      for (let k = rate; k < times.length; k++)
        expect(times[k]! - times[k - rate]!).toBeGreaterThanOrEqual(1_100);
    }
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
    // 2/s with at most 1 s in line: one goes now, one waits, the rest are told to come back.
    expect(sendTimes(4, 2, 0, 1_000)).toEqual([0, 556, null, null]);
    const r = book({ tokens: -2, at: 0 }, 2, 1_000, 0);
    expect(r.slot).toEqual({ ok: false, retryAfterMs: 1667 });
    expect(r.bucket).toEqual({ tokens: -2, at: 0 });
  });

  /**
   * `n` sends due at 0, each asking the line (as the Contact does through the Pacer) and coming
   * back when told to, with `ask` = `bookSend` or the old `book`; each send's time and how many
   * times the line was asked in all.
   */
  function drain(n: number, ask: "bookSend" | "book", rate = 2, maxWaitMs = 5_000) {
    const line = newLine();
    let asks = 0;
    const sent = new Map<number, number>();
    // (time, sender) pairs still to ask, kept sorted by time.
    const queue: [number, number][] = Array.from({ length: n }, (_, i) => [0, i]);
    while (queue.length && asks < 2_000_000) {
      queue.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      const [t, i] = queue.shift()!;
      asks++;
      let slot;
      if (ask === "bookSend") slot = bookSend(line, `key-${i}`, rate, maxWaitMs, t);
      else {
        const r = book(line.bucket, rate, maxWaitMs, t);
        line.bucket = r.bucket;
        slot = r.slot;
      }
      if (slot.ok) sent.set(i, t + slot.waitMs);
      else queue.push([t + slot.retryAfterMs, i]);
    }
    return { asks, times: [...sent.values()].sort((a, b) => a - b), line };
  }

  it("books a long line once per send: retries come back spread at the rate, not all together", () => {
    const { asks, times, line } = drain(3_000, "bookSend");
    expect(times).toHaveLength(3_000);
    // One every 555.6 ms: no slot given twice, none skipped, never two within the limit's second.
    for (let k = 1; k < times.length; k++)
      expect(times[k]! - times[k - 1]!).toBeGreaterThanOrEqual(555);
    expect(maxInAnySecond(times)).toBe(2);
    expect(Math.abs(times.at(-1)! - (2_999 * 1000) / 1.8)).toBeLessThan(2);
    // Each send asks at most twice: once to book, once to take its slot.
    expect(asks).toBeLessThanOrEqual(2 * 3_000);
    expect(line.tickets.size).toBe(0);
    // The old way asks the line again and again for the same result.
    const old = drain(300, "book");
    expect(old.times).toHaveLength(300);
    expect(old.asks).toBeGreaterThan(10 * 300);
  });

  it("a send coming back gets its own slot; one that never does is forgotten after the grace", () => {
    const line = newLine();
    for (let i = 0; i < 12; i++) bookSend(line, `k${i}`, 2, 5_000, 0);
    // k9's slot is at 5,000 ms; k10 and k11 are past 5 s and hold tickets; the next is at 6,667.
    expect(line.tickets.size).toBe(2);
    const late = bookSend(line, "late", 2, 5_000, 0);
    expect(late).toEqual({ ok: false, retryAfterMs: 6_667 - 2_500 });
    expect(line.tickets.get("late")).toBe(6_667);
    // Coming back early is told again when; on time, it waits the rest in line.
    expect(bookSend(line, "late", 2, 5_000, 100)).toEqual({ ok: false, retryAfterMs: 4_067 });
    expect(bookSend(line, "late", 2, 5_000, 3_000)).toEqual({ ok: true, waitMs: 3_667 });
    expect(line.tickets.has("late")).toBe(false);
    // Booked, never came back: dropped once its time is well past, so the map stays small.
    bookSend(line, "gone", 2, 5_000, 0);
    expect(line.tickets.has("gone")).toBe(true);
    bookSend(line, "other", 2, 5_000, 8_000 + TICKET_GRACE_MS);
    expect(line.tickets.has("gone")).toBe(false);
  });
});
