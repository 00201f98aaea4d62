// Retry and pacing policy for sends, as pure functions of (attempt, rng, clock): exponential
// backoff with full jitter, the next-attempt decision for a SendResult, and a token bucket.
import type { SendResult } from "./sender.ts";

export interface BackoffOptions {
  /** First retry's ceiling in ms (default 2 s). */
  baseMs?: number;
  /** Largest delay in ms (default 1 h). */
  capMs?: number;
}

/** Full-jitter exponential backoff: uniform in [0, min(cap, base·2^attempt)). attempt ≥ 0. */
export function backoff(attempt: number, rng: () => number, opts: BackoffOptions = {}): number {
  const base = opts.baseMs ?? 2_000;
  const cap = opts.capMs ?? 3_600_000;
  const ceiling = Math.min(cap, base * 2 ** Math.min(Math.max(0, attempt), 40));
  return Math.floor(rng() * ceiling);
}

export interface RetryPolicy extends BackoffOptions {
  /** Give up (permanently) after this many attempts in total (default 12). */
  maxAttempts?: number;
}

export type NextAttempt =
  | { action: "done"; id: string }
  | { action: "retry"; delayMs: number; reason: string }
  | { action: "fail"; reason: string };

/**
 * What to do after attempt number `attempt` (0-based) produced `result`: done, retry after a
 * delay (the larger of Retry-After and the jittered backoff), or fail for good.
 */
export function nextAttempt(
  result: SendResult,
  attempt: number,
  rng: () => number,
  policy: RetryPolicy = {},
): NextAttempt {
  if (result.ok) return { action: "done", id: result.id };
  if (!result.retryable) return { action: "fail", reason: result.reason };
  if (attempt + 1 >= (policy.maxAttempts ?? 12)) {
    return { action: "fail", reason: `gave_up_after_${attempt + 1}_attempts:${result.reason}` };
  }
  const delayMs = Math.max(result.retryAfterMs ?? 0, backoff(attempt, rng, policy));
  return { action: "retry", delayMs, reason: result.reason };
}

/** Token bucket state; plain data, so it can live in Durable Object storage. */
export interface Bucket {
  /** Tokens available at `at` (may be negative: reservations already promised). */
  tokens: number;
  at: number;
}

export interface BucketConfig {
  /** Sustained rate, requests per second (Resend's default account limit is 2). */
  ratePerSec: number;
  /** Bucket size: how many may go at once after a quiet period (default 1). */
  burst?: number;
}

export function newBucket(cfg: BucketConfig, now: number): Bucket {
  return { tokens: cfg.burst ?? 1, at: now };
}

/**
 * Reserves one send slot. Returns the new state and how long to wait before sending (0 = now).
 * Reservations queue up: a burst of N gets delays 0, 1/rate, 2/rate, … so none is dropped.
 */
export function reserve(
  bucket: Bucket,
  cfg: BucketConfig,
  now: number,
): { bucket: Bucket; waitMs: number } {
  const burst = cfg.burst ?? 1;
  const perMs = cfg.ratePerSec / 1000;
  const t = Math.max(now, bucket.at);
  const tokens = Math.min(burst, bucket.tokens + (t - bucket.at) * perMs) - 1;
  const waitMs = tokens >= 0 ? 0 : Math.ceil(-tokens / perMs);
  return { bucket: { tokens, at: t }, waitMs };
}

/** Send times for `n` due emails starting at `now`, respecting the bucket (pure planning helper). */
export function paceTimes(
  n: number,
  cfg: BucketConfig,
  now: number,
  bucket = newBucket(cfg, now),
): number[] {
  const out: number[] = [];
  let b = bucket;
  for (let i = 0; i < n; i++) {
    const r = reserve(b, cfg, now);
    b = r.bucket;
    out.push(now + r.waitMs);
  }
  return out;
}
