// Performs one queued effect for the Visitor object and says what to do with its outbox row:
// done (delete) or retry at a later time. Behind a small host interface so tests can fake I/O.
import type { Effect } from "../engine/effects.ts";
import type { DeliverOutcome } from "../contact/protocol.ts";
import { backoff } from "../mail/retry.ts";
import { errorMessage } from "../lib/errors.ts";

type QueuedEffect = Exclude<Effect, { type: "log" }>;
type SendEffect = Extract<Effect, { type: "send" }>;
type WebhookEffect = Extract<Effect, { type: "webhook" }>;

export type WebhookOutcome =
  { ok: true } | { ok: false; retryable: boolean; reason: string; retryAfterMs?: number };

export interface RunnerHost {
  deliver(effect: SendEffect, attempt: number): Promise<DeliverOutcome>;
  webhook(effect: WebhookEffect): Promise<WebhookOutcome>;
}

export interface LogLine {
  level: "info" | "warn" | "error";
  msg: string;
  fields: Record<string, string | number | boolean | null>;
}

export type RunResult =
  { done: true; log: LogLine } | { done: false; nextAt: number; log: LogLine };

/** Webhooks and sends give up after this many attempts (about a day with capped backoff). */
export const MAX_ATTEMPTS = 12;

export async function runEffect(
  host: RunnerHost,
  effect: QueuedEffect,
  attempt: number,
  now: number,
  rng: () => number,
): Promise<RunResult> {
  const ref = {
    trigger: effect.trigger,
    step: effect.step,
    episode: effect.episode,
    ...(effect.type === "send" ? { variant: effect.variant } : {}),
  };
  const retry = (reason: string, afterMs = 0): RunResult => {
    if (attempt + 1 >= MAX_ATTEMPTS) {
      return {
        done: true,
        log: {
          level: "error",
          msg: "send.failed",
          fields: { ...ref, reason: `gave_up:${reason}` },
        },
      };
    }
    const wait = Math.max(afterMs, backoff(attempt, rng, { baseMs: 1_000, capMs: 3_600_000 }));
    return {
      done: false,
      nextAt: now + wait,
      log: { level: "warn", msg: "send.retry", fields: { ...ref, reason, attempt } },
    };
  };

  if (effect.type === "skip") {
    return {
      done: true,
      log: { level: "info", msg: "send.skipped", fields: { ...ref, reason: effect.reason } },
    };
  }
  if (effect.type === "webhook") {
    if (effect.holdout) {
      return {
        done: true,
        log: { level: "info", msg: "send.skipped", fields: { ...ref, reason: "holdout" } },
      };
    }
    let out: WebhookOutcome;
    try {
      out = await host.webhook(effect);
    } catch (err) {
      out = { ok: false, retryable: true, reason: `network:${errorMessage(err)}` };
    }
    if (out.ok) return { done: true, log: { level: "info", msg: "webhook.ok", fields: ref } };
    if (!out.retryable)
      return {
        done: true,
        log: { level: "error", msg: "webhook.failed", fields: { ...ref, reason: out.reason } },
      };
    return retry(out.reason, out.retryAfterMs);
  }
  let out: DeliverOutcome;
  try {
    out = await host.deliver(effect, attempt);
  } catch (err) {
    out = { status: "retry", afterMs: 0, reason: `contact_unavailable:${errorMessage(err)}` };
  }
  switch (out.status) {
    case "sent":
      return { done: true, log: { level: "info", msg: "send.ok", fields: { ...ref, id: out.id } } };
    case "duplicate":
      return { done: true, log: { level: "info", msg: "send.duplicate", fields: ref } };
    case "skipped":
      return {
        done: true,
        log: { level: "info", msg: "send.skipped", fields: { ...ref, reason: out.reason } },
      };
    case "failed":
      return {
        done: true,
        log: { level: "error", msg: "send.failed", fields: { ...ref, reason: out.reason } },
      };
    case "retry":
      return retry(out.reason, out.afterMs);
  }
}
