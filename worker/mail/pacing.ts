// Account-wide pacing of provider calls as a pure token bucket: a burst of N sends gets the
// delays 0, 1/pace, 2/pace, … so none is refused or dropped. The pace is PACE_SHARE of the
// account's limit with a bucket of one: no second ever holds more calls than the limit, even as
// the provider counts them (a sliding window), with room for the calls' jitter on the way. The
// Pacer object (pacer.ts) keeps the one bucket of the account; this module decides.

/** Token bucket state; plain data. */
export interface Bucket {
  /** Tokens available at `at` (may be negative: reservations already promised). */
  tokens: number;
  at: number;
}

export interface BucketConfig {
  /** Sustained rate, requests per second (Resend's default account limit is 2). */
  ratePerSec: number;
  /** Bucket size: how many may go at once after a quiet period. */
  burst: number;
}

/** The share of the account's limit sends are spaced at: 1/0.9 of a second holds `limit`
 * calls, so a call may arrive ~100 ms later than its slot and still not make a 1-s window hold
 * one more than the limit. */
export const PACE_SHARE = 0.9;

/** A call may reach the provider this much later than its slot (well under the ~100 ms the pace
 * leaves); one prepared later than that books a new slot instead (its own goes unused). */
export const SLOT_LATENESS_MS = 25;

/** The bucket the account's limit paces with: evenly spaced calls, none at once. */
export function paceOf(limitPerSec: number): BucketConfig {
  return { ratePerSec: limitPerSec * PACE_SHARE, burst: 1 };
}

export function newBucket(cfg: BucketConfig, now: number): Bucket {
  return { tokens: cfg.burst, at: now };
}

/** Reserves one slot: the new state and how long to wait before sending (0 = now). */
export function reserve(
  bucket: Bucket,
  cfg: BucketConfig,
  now: number,
): { bucket: Bucket; waitMs: number } {
  const perMs = cfg.ratePerSec / 1000;
  const t = Math.max(now, bucket.at);
  const tokens = Math.min(cfg.burst, bucket.tokens + (t - bucket.at) * perMs) - 1;
  const waitMs = tokens >= 0 ? 0 : Math.ceil(-tokens / perMs);
  return { bucket: { tokens, at: t }, waitMs };
}

export type Slot = { ok: true; waitMs: number } | { ok: false; retryAfterMs: number };

/**
 * Books a slot unless the wait would exceed `maxWaitMs`; then the bucket is left unchanged and
 * the caller retries later (never dropped).
 */
export function book(
  bucket: Bucket | null,
  ratePerSec: number,
  maxWaitMs: number,
  now: number,
): { bucket: Bucket | null; slot: Slot } {
  const cfg = paceOf(ratePerSec);
  const r = reserve(bucket ?? newBucket(cfg, now), cfg, now);
  if (r.waitMs > maxWaitMs) return { bucket, slot: { ok: false, retryAfterMs: r.waitMs } };
  return { bucket: r.bucket, slot: { ok: true, waitMs: r.waitMs } };
}

/** The Pacer's whole state: the bucket, and the slots booked ahead for sends told to come back. */
export interface Line {
  bucket: Bucket | null;
  /** Send key → the time of its booked slot, in booking order (so also in time order). */
  tickets: Map<string, number>;
}

/** A booked slot nobody came back for is forgotten this long after its time (its slot is lost). */
export const TICKET_GRACE_MS = 60_000;

export function newLine(): Line {
  return { bucket: null, tickets: new Map() };
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
    return { ok: true, waitMs: Math.max(0, waitMs) };
  }
  const cfg = paceOf(ratePerSec);
  const r = reserve(line.bucket ?? newBucket(cfg, now), cfg, now);
  line.bucket = r.bucket;
  if (r.waitMs <= maxWaitMs) return { ok: true, waitMs: r.waitMs };
  line.tickets.set(key, now + r.waitMs);
  return comeBack(r.waitMs);
}
