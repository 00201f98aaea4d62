// The Visitor → Contact delivery protocol (RPC argument and result types), shared by both Durable
// Objects and the webhook route, and the one mapping of a provider answer to a delivery outcome.
import type { SendEffect } from "../engine/effects.ts";
import type { SkipReason } from "../engine/facts.ts";
import type { SendResult } from "../mail/sender.ts";

export interface DeliverRequest {
  site: string;
  vid: string;
  /** Contact hash (contactHash(NUDGE_SECRET, site, email)): the object's name and log id. */
  contact: string;
  effect: SendEffect;
  /** Attempt number (0-based) of this outbox row, for logs and backoff. */
  attempt: number;
  /** Public base URL of the worker for links in the email (PUBLIC_URL, else the ingest origin). */
  base: string;
}

/** Why the Contact object decided not to send a step. */
export type DeliverSkip = Extract<
  SkipReason,
  | "suppressed"
  | "unsubscribed_topic"
  | "daily_limit"
  | "capped"
  | "verified"
  | "recently_asked"
  | "unconfirmed"
  | "unverified"
  | "coupon_pool_empty"
>;

export type DeliverOutcome =
  | { status: "sent"; id: string }
  /** The ledger already holds this key: it was sent before (a re-run or duplicate). */
  | { status: "duplicate" }
  | { status: "skipped"; reason: DeliverSkip | "holdout" }
  | { status: "failed"; reason: string }
  | { status: "retry"; afterMs: number; reason: string }
  /** Not tried: no provider slot yet (pacing) or no config to decide with. Comes back later
   * without using up an attempt, so a flood above the rate limit never drops mail. */
  | { status: "wait"; afterMs: number; reason: "paced" | "config_unavailable" };

/** Where an open or a click came from (the signed token's payload). */
export interface EngagementRef {
  site: string;
  trigger: string;
  episode: string;
  step: number;
  variant: number | null;
}

/** A Resend webhook event, already verified and reduced to what a contact needs. */
export interface MailEvent {
  svixId: string;
  type: "delivered" | "bounced" | "complained" | "opened" | "clicked";
  /** From our tags when present. */
  ref: EngagementRef | null;
  /** Stop all email to this address (the rule lives in ingest/resend-events.ts). */
  suppress: "bounced" | "complained" | null;
}

/** A provider's answer as the Visitor's runner sees it: sent, retry later, or failed for good. */
export function outcomeOfSend(
  r: SendResult,
): Extract<DeliverOutcome, { status: "sent" | "retry" | "failed" }> {
  if (r.ok) return { status: "sent", id: r.id };
  if (r.retryable) return { status: "retry", afterMs: r.retryAfterMs ?? 0, reason: r.reason };
  return { status: "failed", reason: r.reason };
}
