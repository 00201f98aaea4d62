// Account-wide pacing of provider calls as a pure sliding-window log: no WINDOW_MS (a little
// over a second) ever holds more booked slots than the account's limit. A burst up to the limit
// goes at once; beyond it each send gets the slot a window after the limit-th slot before it,
// so none is refused or dropped, and no second holds more calls than the limit as the provider
// counts them (a sliding window), with room for the calls' jitter on the way. The Pacer object
// (pacer.ts) keeps the one line of the account; this module decides.

/** The window the limit is kept over: a call may reach the provider up to ~100 ms later than
 * its slot and still not make a 1-s window hold one more than the limit. */
export const WINDOW_MS = 1_100;

/** A call may reach the provider this much later than its slot (half the room WINDOW_MS leaves,
 * the rest for the way there); one prepared later than that books a new slot instead (its own
 * goes unused). */
export const SLOT_LATENESS_MS = 50;

/** Whether a send ready at `now` for its slot at `slotAt` must book a new slot (pacer.ts
 * `waitForSlot`): later than SLOT_LATENESS_MS, it would share a window with the slots after it. */
export function tooLateForSlot(slotAt: number, now: number): boolean {
  return now - slotAt > SLOT_LATENESS_MS;
}

/** The limit as a whole number of calls per window (at least one). */
function callsPerWindow(ratePerSec: number): number {
  return Math.max(1, Math.floor(ratePerSec));
}

/**
 * The earliest slot at or after `now` that keeps every window within the limit, given the
 * slots booked so far (`slots`, in time order; only the last `limit` matter).
 */
export function nextSlot(slots: readonly number[], ratePerSec: number, now: number): number {
  const k = slots.length - callsPerWindow(ratePerSec);
  return k >= 0 ? Math.max(now, slots[k]! + WINDOW_MS) : now;
}

/** Books `at` in `slots` (kept to the last `limit`). */
function take(slots: number[], at: number, ratePerSec: number): void {
  slots.push(at);
  const extra = slots.length - callsPerWindow(ratePerSec);
  if (extra > 0) slots.splice(0, extra);
}

export type Slot = { ok: true; waitMs: number } | { ok: false; retryAfterMs: number };

/**
 * Books a slot unless the wait would exceed `maxWaitMs`; then the line is left unchanged and
 * the caller retries later (never dropped).
 */
export function book(line: Line, ratePerSec: number, maxWaitMs: number, now: number): Slot {
  const at = nextSlot(line.slots, ratePerSec, now);
  if (at - now > maxWaitMs) return { ok: false, retryAfterMs: at - now };
  take(line.slots, at, ratePerSec);
  return { ok: true, waitMs: at - now };
}

/** The Pacer's whole state: the bucket, and the slots booked ahead for sends told to come back. */
export interface Line {
  /** The last slots booked (up to the limit), in time order. */
  slots: number[];
  /** Send key → the time of its booked slot, in booking order (so also in time order). */
  tickets: Map<string, number>;
}

/** A booked slot nobody came back for is forgotten this long after its time (its slot is lost). */
export const TICKET_GRACE_MS = 60_000;

export function newLine(): Line {
  return { slots: [], tickets: new Map() };
}

/**
 * Books the provider slot of send `key` (its idempotency key) in `line`, which it updates. A slot
 * within `maxWaitMs`: wait, then send. A later one is booked all the same and kept as a ticket
 * under the key, and the send is told to come back half a wait before it: coming back, it gets
 * that same slot without a second booking. So a long line is booked once per send, and its
 * retries come back spread at the provider's rate instead of all together, asking again and again
 * (with `book`, a line of 3,000 at 2/s was asked about 400,000 times).
 */
export function bookSend(
  line: Line,
  key: string,
  ratePerSec: number,
  maxWaitMs: number,
  now: number,
): Slot {
  for (const [k, at] of line.tickets) {
    if (at + TICKET_GRACE_MS > now) break;
    line.tickets.delete(k);
  }
  const comeBack = (waitMs: number): Slot => ({
    ok: false,
    retryAfterMs: Math.ceil(waitMs - maxWaitMs / 2),
  });
  const held = line.tickets.get(key);
  if (held !== undefined) {
    const waitMs = held - now;
    if (waitMs > maxWaitMs) return comeBack(waitMs);
    line.tickets.delete(key);
    // Back in time (or a little late): its slot. Back later than that (an alarm that fired
    // late), it would go now, outside its slot: it books anew below, as a late render does.
    if (!tooLateForSlot(held, now)) return { ok: true, waitMs: Math.max(0, waitMs) };
  }
  const at = nextSlot(line.slots, ratePerSec, now);
  take(line.slots, at, ratePerSec);
  if (at - now <= maxWaitMs) return { ok: true, waitMs: at - now };
  line.tickets.set(key, at);
  return comeBack(at - now);
}
