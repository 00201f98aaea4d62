// The account-wide token bucket the Pacer object runs: pure, with an injected clock.
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
    // Two go at once (the burst), then one every 500 ms: no slot given twice, none skipped.
    for (let k = 2; k < times.length; k++) expect(times[k]! - times[k - 1]!).toBe(500);
    expect(times.at(-1)).toBe((3_000 - 2) * 500);
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
    // k11's slot is at 5,000 ms (two at once, then 500 ms apart): past 5 s? 5,000 is not.
    const late = bookSend(line, "late", 2, 5_000, 0);
    expect(late).toEqual({ ok: false, retryAfterMs: 5_500 - 2_500 });
    expect(line.tickets.get("late")).toBe(5_500);
    // Coming back early is told again when; on time, it waits the rest in line.
    expect(bookSend(line, "late", 2, 5_000, 100)).toEqual({ ok: false, retryAfterMs: 2_900 });
    expect(bookSend(line, "late", 2, 5_000, 3_000)).toEqual({ ok: true, waitMs: 2_500 });
    expect(line.tickets.has("late")).toBe(false);
    // Booked, never came back: dropped once its time is well past, so the map stays small.
    bookSend(line, "gone", 2, 5_000, 0);
    expect(line.tickets.has("gone")).toBe(true);
    bookSend(line, "other", 2, 5_000, 6_000 + TICKET_GRACE_MS);
    expect(line.tickets.has("gone")).toBe(false);
  });
});
