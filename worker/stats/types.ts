// Measurement events: what the Visitor and Contact objects report to the sharded stats store
// (worker/stats/), from facts (from-facts.ts) or directly. Types only; recording lives in
// record.ts.

/** Treated episodes get email; holdout episodes run the same steps but send nothing. */
export type Group = "treated" | "holdout";

export type Metric =
  /** An episode started (step null). */
  | "entered"
  /** An episode ended before its last step (reason: the cancelling event or cause). */
  | "cancelled"
  /** A step came due. */
  | "due"
  /** Handed to the provider (treated) or would have been (holdout). */
  | "sent"
  /** Not sent, with reason: suppressed, capped, no_email, no_consent, condition, cancelled,
   * coupon_pool_empty, … */
  | "skipped"
  /** The provider refused for good or retries gave up (reason). */
  | "failed"
  | "delivered"
  | "opened"
  | "clicked"
  /** Last-touch credit: a purchase within the attribution window after a click, else an open. */
  | "converted"
  /** A purchase only a browser reported (unverified): credited like `converted` (last touch,
   * value) but never counted as revenue or lift; the dashboard shows these claims apart. */
  | "claimed"
  /** Episode-level conversion for lift: a purchase within the window after the episode's first
   * (sent or held-out) email; step null; counted once per episode, in both groups. */
  | "episode_converted"
  | "unsubscribed"
  /** The person stopped one kind of email on the unsubscribe page (reason: the topic); site
   * level, once per contact and topic. */
  | "unsubscribed_topic"
  | "bounced"
  | "complained";

export interface StatEvent {
  site: string;
  /** Trigger id; "" for site-level events with no email behind them (e.g. a bounce we cannot
   * tie to a send). */
  trigger: string;
  step: number | null;
  variant: number | null;
  group: Group;
  metric: Metric;
  /** ms since epoch; the store buckets by UTC day. */
  at: number;
  reason?: string;
  /** Revenue of a conversion (converted, episode_converted, claimed), in `currency`. */
  value?: number;
  currency?: string;
  /** When set, the store counts this event once per distinct value (e.g. unique opens). */
  unique?: string;
  /** Contact hash (never an email), for the dashboard's recent failures list. */
  contact?: string;
}
