// Account-wide pacing of provider calls as a pure token bucket: a burst of N sends gets the
// delays 0, 1/rate, 2/rate, … so none is refused or dropped. The Pacer object (pacer.ts) keeps
// the one bucket of the account; this module decides.

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
  const cfg = { ratePerSec, burst: Math.max(1, Math.floor(ratePerSec)) };
  const r = reserve(bucket ?? newBucket(cfg, now), cfg, now);
  if (r.waitMs > maxWaitMs) return { bucket, slot: { ok: false, retryAfterMs: r.waitMs } };
  return { bucket: r.bucket, slot: { ok: true, waitMs: r.waitMs } };
}
