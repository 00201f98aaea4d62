// What the engine asks its Durable Object shell to do: sends, skips, webhooks and log lines.
// Types plus the idempotency key; the shell performs effects at least once, keyed by `key`.

export type SkipReason = "no_email" | "no_consent" | "condition" | "cancelled";

interface StepRef {
  /** Idempotency key for (site, trigger, episode, step): URL-safe, ≤ 256 chars. */
  key: string;
  trigger: string;
  episode: string;
  step: number;
  /** When the step was due (after any quiet-hours deferral), ms since epoch. */
  due: number;
}

export type Effect =
  | (StepRef & {
      type: "send";
      variant: number | null;
      template: string;
      /** Liquid source, rendered by the mail layer with `context`. */
      subject: string;
      /** Control group: record as sent for stats, do not deliver. */
      holdout: boolean;
      /** Subject to the site's per-contact frequency cap. */
      frequencyCap: boolean;
      /** Marketing mail (consent, unsubscribe and suppression apply). */
      marketing: boolean;
      email: string;
      /** Snapshot for the template: contact, cart, product, order, event, site. */
      context: Record<string, unknown>;
    })
  | (StepRef & { type: "skip"; reason: SkipReason })
  | (StepRef & {
      type: "webhook";
      url: string;
      holdout: boolean;
      payload: Record<string, unknown>;
    })
  | {
      type: "log";
      level: "info" | "warn";
      msg: string;
      fields: Record<string, string | number | boolean | null>;
    };

export type SendEffect = Extract<Effect, { type: "send" }>;
export type LogEffect = Extract<Effect, { type: "log" }>;

/** `site.trigger.episode.step`: each part is already URL-safe ([A-Za-z0-9_-]). */
export function stepKey(site: string, trigger: string, episode: string, step: number): string {
  return `${site}.${trigger}.${episode}.${step}`.slice(0, 256);
}
