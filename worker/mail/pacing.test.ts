// The account-wide line the Pacer object runs: pure, with an injected clock. At 2/s, two slots
// per WINDOW_MS (1.1 s): a burst of two goes at once, then two every 1.1 s.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  book,
  bookSend,
  newLine,
  nextSlot,
  SLOT_LATENESS_MS,
  TICKET_GRACE_MS,
  tooLateForSlot,
  WINDOW_MS,
} from "./pacing.ts";
import { maxInAnySecond } from "../../test/support/windows.ts";

/** Books `n` slots at `now` the way the Pacer object does, returning each send time. */
function sendTimes(n: number, rate: number, now: number, maxWaitMs = Infinity): (number | null)[] {
  const line = newLine();
  const out: (number | null)[] = [];
  for (let i = 0; i < n; i++) {
    const slot = book(line, rate, maxWaitMs, now);
    out.push(slot.ok ? now + slot.waitMs : null);
  }
  return out;
}

describe("pacing", () => {
  it("lets a burst up to the limit go at once, then the limit per window, dropping none", () => {
    expect(WINDOW_MS).toBe(1_100);
    expect(sendTimes(5, 2, 0)).toEqual([0, 0, 1100, 1100, 2200]);
    expect(sendTimes(4, 1, 0)).toEqual([0, 1100, 2200, 3300]);
  });

  it("never gives more slots than the limit in any second, with room for late calls", () => {
    for (const rate of [1, 2, 5, 7, 100]) {
      const times = sendTimes(rate * 6, rate, 0) as number[];
      expect(maxInAnySecond(times)).toBe(rate);
      // A call up to 100 ms late still keeps every second within the limit.
      for (let k = rate; k < times.length; k++)
        expect(times[k]! - times[k - rate]!).toBeGreaterThanOrEqual(1_100);
    }
  });

  it("frees a slot a window after it was used", () => {
    const line = newLine();
    book(line, 2, Infinity, 0);
    book(line, 2, Infinity, 0);
    expect(nextSlot(line.slots, 2, 250)).toBe(1_100);
    expect(nextSlot(line.slots, 2, 10_000)).toBe(10_000);
  });

  it("turns a wait longer than the limit into a retry and leaves the line unchanged", () => {
    // 2/s with at most 1 s in line: two go now, the rest are told to come back.
    expect(sendTimes(5, 2, 0, 1_000)).toEqual([0, 0, null, null, null]);
    const line = newLine();
    book(line, 2, 1_000, 0);
    book(line, 2, 1_000, 0);
    expect(book(line, 2, 1_000, 0)).toEqual({ ok: false, retryAfterMs: 1_100 });
    expect(line.slots).toEqual([0, 0]);
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
      else slot = book(line, rate, maxWaitMs, t);
      if (slot.ok) sent.set(i, t + slot.waitMs);
      else queue.push([t + slot.retryAfterMs, i]);
    }
    return { asks, times: [...sent.values()].sort((a, b) => a - b), line };
  }

  it("books a long line once per send: retries come back spread at the rate, not all together", () => {
    const { asks, times, line } = drain(3_000, "bookSend");
    expect(times).toHaveLength(3_000);
    // Two every 1.1 s: no slot given twice, none skipped, never three within a second.
    for (let k = 2; k < times.length; k++) expect(times[k]! - times[k - 2]!).toBe(1_100);
    expect(maxInAnySecond(times)).toBe(2);
    expect(times.at(-1)).toBe(1_499 * 1_100);
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
    // k8 and k9 go at 4,400 ms; k10 and k11 (5,500) are past 5 s and hold tickets; next: 6,600.
    expect(line.tickets.size).toBe(2);
    const late = bookSend(line, "late", 2, 5_000, 0);
    expect(late).toEqual({ ok: false, retryAfterMs: 6_600 - 2_500 });
    expect(line.tickets.get("late")).toBe(6_600);
    // Coming back early is told again when; on time, it waits the rest in line.
    expect(bookSend(line, "late", 2, 5_000, 100)).toEqual({ ok: false, retryAfterMs: 4_000 });
    expect(bookSend(line, "late", 2, 5_000, 3_000)).toEqual({ ok: true, waitMs: 3_600 });
    expect(line.tickets.has("late")).toBe(false);
    // Back later than its slot (its alarm fired late): not sent at once, outside any slot, but
    // booked anew, after the slots taken meanwhile.
    const t2 = bookSend(line, "tardy", 2, 5_000, 0);
    expect(t2).toEqual({ ok: false, retryAfterMs: 6_600 - 2_500 });
    bookSend(line, "x1", 2, 5_000, 6_000);
    bookSend(line, "x2", 2, 5_000, 6_000);
    expect(line.slots).toEqual([7_700, 7_700]);
    const back = 6_600 + SLOT_LATENESS_MS + 1;
    expect(bookSend(line, "tardy", 2, 5_000, back)).toEqual({ ok: true, waitMs: 8_800 - back });
    // Booked, never came back: dropped once its time is well past, so the map stays small.
    bookSend(line, "gone", 2, 5_000, 0);
    expect(line.tickets.has("gone")).toBe(true);
    bookSend(line, "other", 2, 5_000, 9_000 + TICKET_GRACE_MS);
    expect(line.tickets.has("gone")).toBe(false);
  });

  it("with late sends booking again, no second ever holds more calls than the limit", () => {
    // Sends arrive (a cold start, then a flood right behind), each books its slot, is rendered
    // meanwhile (sometimes slowly: a cold isolate), and goes at its slot, or, ready too late for
    // it, books a new one and goes then, the way pacer.ts waitForSlot does; each call reaches
    // the provider up to 50 ms after it leaves.
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.array(
          fc.record({
            gap: fc.integer({ min: 0, max: 300 }),
            render: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 1_500 })),
            jitter: fc.integer({ min: 0, max: 50 }),
          }),
          { minLength: 1, maxLength: 60 },
        ),
        (rate, sends) => {
          const line = newLine();
          const arrivals: number[] = [];
          let t = 0;
          // Events in time order: bookings at arrival, re-bookings when a render ends late.
          const queue: { at: number; i: number; slotAt?: number }[] = [];
          sends.forEach((s, i) => queue.push({ at: (t += s.gap), i }));
          while (queue.length) {
            queue.sort((a, b) => a.at - b.at || a.i - b.i);
            const e = queue.shift()!;
            const s = sends[e.i]!;
            if (e.slotAt === undefined) {
              const slot = bookSend(line, `k${e.i}`, rate, Infinity, e.at);
              if (!slot.ok) throw new Error("no wait limit: always a slot");
              queue.push({ at: e.at + s.render, i: e.i, slotAt: e.at + slot.waitMs });
            } else if (tooLateForSlot(e.slotAt, e.at)) {
              const again = bookSend(line, `k${e.i}.again`, rate, Infinity, e.at);
              if (!again.ok) throw new Error("no wait limit: always a slot");
              arrivals.push(e.at + again.waitMs + s.jitter);
            } else arrivals.push(Math.max(e.at, e.slotAt) + s.jitter);
          }
          expect(maxInAnySecond(arrivals)).toBeLessThanOrEqual(rate);
        },
      ),
      { seed: 20261204, numRuns: 300 },
    );
    expect(tooLateForSlot(0, SLOT_LATENESS_MS)).toBe(false);
    expect(tooLateForSlot(0, SLOT_LATENESS_MS + 1)).toBe(true);
  });
});
