// Pure logic of the pending-event queue that transport.ts mirrors into localStorage: bounded
// (oldest dropped first), and read back safely (anything unreadable is an empty queue).
import type { WireEvent } from "../worker/wire.ts";

/** At most this many events wait (in memory and in storage). */
export const MAX_EVENTS = 99;

/** Appends `e` to `q` in place, dropping the oldest beyond the bound. */
export const add = (q: WireEvent[], e: WireEvent): void => {
  if (q.push(e) > MAX_EVENTS) q.shift();
};

/** Reads a stored queue; anything unreadable is an empty queue. */
export const parse = (s?: string): WireEvent[] => {
  try {
    return [...(JSON.parse(s!) as WireEvent[])];
  } catch {
    return [];
  }
};
