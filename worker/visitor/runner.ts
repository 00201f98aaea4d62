// The one retry implementation: performs one queued effect for the Visitor object and says what to
// do with its outbox row (done, or retry at a later time with full-jitter exponential backoff, up
// to RETRY.maxAttempts), plus the facts the Visitor records about it. Behind a small host
// interface, so tests drive it with fakes and the real Resend sender alike.
import type { DeliverOutcome } from "../contact/protocol.ts";
import {
  stepRefOf,
  type Channel,
  type Effect,
  type Fact,
  type WebhookEffect,
} from "../engine/index.ts";
import type { SendEffect } from "../engine/index.ts";
import { errorMessage } from "../lib/errors.ts";

export type WebhookOutcome =
  { ok: true } | { ok: false; retryable: boolean; reason: string; retryAfterMs?: number };

export interface RunnerHost {
  /** The Contact object decides, sends and records the send's own facts. */
  deliver(effect: SendEffect, attempt: number): Promise<DeliverOutcome>;
  webhook(effect: WebhookEffect): Promise<WebhookOutcome>;
}

export interface RetryPolicy {
  /** Attempts in total before giving up. */
  maxAttempts: number;
  /** First retry's ceiling (ms); doubles per attempt. */
  baseMs: number;
  /** Largest delay (ms). */
  capMs: number;
}

/** Production policy: 12 attempts, 1 s doubling to 1 h (about a day in all). */
export const RETRY: RetryPolicy = { maxAttempts: 12, baseMs: 1_000, capMs: 3_600_000 };

export type RunResult =
  | { done: true; facts: Fact[] }
  /** `attempted`: false when nothing was tried (a wait for a provider slot): no attempt used. */
  | { done: false; nextAt: number; reason: string; attempted: boolean; facts: Fact[] };

/** Full-jitter exponential backoff: uniform in [0, min(cap, base·2^attempt)). attempt ≥ 0. */
export function backoff(attempt: number, rng: () => number, p: RetryPolicy = RETRY): number {
  const ceiling = Math.min(p.capMs, p.baseMs * 2 ** Math.min(Math.max(0, attempt), 40));
  return Math.floor(rng() * ceiling);
}

/**
 * Performs attempt number `attempt` (0-based) of `effect`. Sends report their own outcome from
 * the Contact object; what is recorded here is what only the Visitor sees: retries, retries
 * that gave up, and webhook outcomes.
 */
export async function runEffect(
  host: RunnerHost,
  effect: Effect,
  attempt: number,
  now: number,
  rng: () => number,
  policy: RetryPolicy = RETRY,
): Promise<RunResult> {
  const ref = stepRefOf(effect);
  const channel: Channel = effect.type === "send" ? "email" : "webhook";
  const done = (...facts: Fact[]): RunResult => ({ done: true, facts });
  const retry = (reason: string, afterMs = 0): RunResult => {
    if (attempt + 1 >= policy.maxAttempts)
      return done({ type: "failed", ...ref, channel, reason, gaveUp: true });
    const wait = Math.max(afterMs, backoff(attempt, rng, policy));
    return {
      done: false,
      nextAt: now + wait,
      reason,
      attempted: true,
      facts: [{ type: "retry", ...ref, channel, reason, attempt }],
    };
  };

  if (effect.type === "webhook") {
    if (effect.holdout) return done({ type: "withheld", ...ref, channel });
    let out: WebhookOutcome;
    try {
      out = await host.webhook(effect);
    } catch (err) {
      out = { ok: false, retryable: true, reason: `network:${errorMessage(err)}` };
    }
    if (out.ok) return done({ type: "sent", ...ref, channel, id: null });
    if (!out.retryable)
      return done({ type: "failed", ...ref, channel, reason: out.reason, gaveUp: false });
    return retry(out.reason, out.retryAfterMs);
  }
  let out: DeliverOutcome;
  try {
    out = await host.deliver(effect, attempt);
  } catch (err) {
    out = { status: "retry", afterMs: 0, reason: `contact_unavailable:${errorMessage(err)}` };
  }
  if (out.status === "wait")
    return {
      done: false,
      nextAt: now + out.afterMs,
      reason: out.reason,
      attempted: false,
      facts: [{ type: "retry", ...ref, channel, reason: out.reason, attempt }],
    };
  return out.status === "retry" ? retry(out.reason, out.afterMs) : done();
}
