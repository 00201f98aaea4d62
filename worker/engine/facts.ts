// Domain events: the typed facts the engine decides (an episode entered, a step due, skipped,
// cancelled, …) and the shells add when they perform a step (sent, withheld, failed, retried).
// One union; log lines (`logLineOf`, here) and stats (worker/stats/from-facts.ts) are two pure
// projections of it, so renaming a log message can never drop a metric.
import { humanStep, humanStepOrNull } from "../lib/step.ts";

/** Why a step was not sent: decided by the engine, or by the Contact object at send time. */
export type SkipReason =
  | "no_email"
  | "no_consent"
  | "condition"
  | "cancelled"
  | "suppressed"
  /** Marketing email of a kind (topic) the person stopped on the unsubscribe page. */
  | "unsubscribed_topic"
  | "daily_limit"
  | "capped"
  /** Double opt-in: the address was not confirmed before the hold ran out. */
  | "unconfirmed"
  /** A trigger exempt from the cap (order mail) for an address nobody vouched for. */
  | "unverified"
  /** A confirmation request for an address already verified, or asked within 24 h. */
  | "verified"
  | "recently_asked"
  /** The step's template reads a coupon pool (`coupon.NAME`) with no code left. */
  | "coupon_pool_empty";

export type Channel = "email" | "webhook";

/** The episode a fact is about. */
interface EpisodeRef {
  trigger: string;
  episode: string;
}

/** One step of one episode, with its idempotency key (engine/effects.ts `stepKey`). */
export interface StepRef extends EpisodeRef {
  key: string;
  step: number;
  variant: number | null;
  /** The episode is in the holdout (control) group. */
  holdout: boolean;
}

export type Fact = FactBody & {
  /** When the engine's clock decided it, for a fact of its agenda (a step due, a hold running
   * out, …): the item's own time, which a wake or event that catches the agenda up can come after
   * (`anonymousSteps: "deferred"`, or an alarm that fires late). Absent: decided when recorded. */
  at?: number;
};

type FactBody =
  // ---- decided by the engine ----
  | (EpisodeRef & { type: "entered"; holdout: boolean; due: number })
  | (EpisodeRef & { type: "restarted"; step: number })
  | (EpisodeRef & { type: "deferred"; step: number; until: number })
  | (EpisodeRef & { type: "due"; step: number; holdout: boolean })
  /** Due while no email is known (or, with double opt-in, not confirmed): kept until it is, or
   * the hold runs out. */
  | (EpisodeRef & { type: "held"; step: number; reason: "no_email" | "unconfirmed" })
  | (EpisodeRef & { type: "cancelled"; step: number | null; reason: string })
  | (EpisodeRef & { type: "completed" })
  | { type: "agenda_overflow"; until: number }
  // ---- decided by the engine or the Contact object ----
  | (StepRef & {
      type: "skipped";
      reason: SkipReason;
      /** Decided by the engine, in the transition the Visitor stores once: never decided again,
       * so its count needs no dedupe row. Absent: the Contact's (a delivery may be retried). */
      engine?: true;
    })
  // ---- decided by the shells when they perform a step ----
  | (StepRef & { type: "sent"; channel: Channel; id: string | null })
  /** Control group: counted as sent, not delivered. */
  | (StepRef & { type: "withheld"; channel: Channel })
  /** The ledger already held the key (an alarm re-run or a retried call). */
  | (StepRef & { type: "duplicate" })
  /** Refused for good; `gaveUp` when retries ran out. */
  | (StepRef & { type: "failed"; channel: Channel; reason: string; gaveUp: boolean })
  | (StepRef & { type: "retry"; channel: Channel; reason: string; attempt: number });

export type FactOf<T extends Fact["type"]> = Extract<Fact, { type: T }>;

export interface LogLine {
  level: "info" | "warn" | "error";
  msg: string;
  fields: Record<string, string | number | boolean | null>;
}

/** The step fields of a log line: the step counted from 1 (lib/step.ts). */
const step = (f: StepRef) => ({
  trigger: f.trigger,
  episode: f.episode,
  step: humanStep(f.step),
  variant: f.variant,
});

/** Instants in log lines read like `at`: ISO 8601 UTC. */
const iso = (ms: number) => new Date(ms).toISOString();

/** The log line of a fact (the `msg` names are the documented log contract). */
export function logLineOf(f: Fact): LogLine {
  const info = (msg: string, fields: LogLine["fields"]): LogLine => ({
    level: "info",
    msg,
    fields,
  });
  switch (f.type) {
    case "entered":
      return info("episode.started", {
        trigger: f.trigger,
        episode: f.episode,
        holdout: f.holdout,
        due: iso(f.due),
      });
    case "restarted":
      return info("episode.restarted", {
        trigger: f.trigger,
        episode: f.episode,
        step: humanStep(f.step),
      });
    case "deferred":
      return info("step.deferred", {
        trigger: f.trigger,
        episode: f.episode,
        step: humanStep(f.step),
        reason: "quiet_hours",
        until: iso(f.until),
      });
    case "due":
      return info("step.due", {
        trigger: f.trigger,
        episode: f.episode,
        step: humanStep(f.step),
        holdout: f.holdout,
      });
    case "held":
      // Not a skip yet: it goes out if the address arrives (or is confirmed) in time, and a hold
      // that runs out is logged once more, as send.skipped with the same reason.
      return info("step.held", {
        trigger: f.trigger,
        episode: f.episode,
        step: humanStep(f.step),
        reason: f.reason,
      });
    case "cancelled":
      return {
        level: f.reason === "trigger_removed" ? "warn" : "info",
        msg: "episode.cancelled",
        fields: {
          trigger: f.trigger,
          episode: f.episode,
          step: humanStepOrNull(f.step),
          reason: f.reason,
        },
      };
    case "completed":
      return info("episode.completed", { trigger: f.trigger, episode: f.episode });
    case "agenda_overflow":
      return { level: "warn", msg: "engine.agenda_overflow", fields: { until: iso(f.until) } };
    case "skipped":
      return info("send.skipped", { ...step(f), reason: f.reason });
    case "withheld":
      return info("send.skipped", { ...step(f), reason: "holdout" });
    case "sent":
      return f.channel === "email"
        ? info("send.ok", { ...step(f), id: f.id })
        : info("webhook.ok", step(f));
    case "duplicate":
      return info("send.duplicate", step(f));
    case "failed":
      return {
        level: "error",
        msg: f.channel === "email" || f.gaveUp ? "send.failed" : "webhook.failed",
        fields: { ...step(f), reason: f.gaveUp ? `gave_up:${f.reason}` : f.reason },
      };
    case "retry":
      return {
        level: "warn",
        msg: "send.retry",
        fields: { ...step(f), reason: f.reason, attempt: f.attempt },
      };
  }
}
