// What the engine asks its Durable Object shell to do: sends and webhooks, queued in the outbox
// and performed at least once, keyed by `key`. What the engine decided without work to do
// (skips, episodes entered or cancelled, …) are facts (facts.ts), not effects.

import type { StepRef as FactStepRef } from "./facts.ts";

interface StepRef {
  /** Idempotency key for (site, trigger, episode, step): URL-safe, ≤ 256 chars. */
  key: string;
  trigger: string;
  episode: string;
  step: number;
  /** When the step was due (after any quiet-hours deferral), ms since epoch. */
  due: number;
  /** Variant index when the step splits (null for webhooks and unsplit steps). */
  variant: number | null;
  /** Control group: everything runs, nothing is delivered (counted for lift). */
  holdout: boolean;
}

export type Effect =
  | (StepRef & {
      type: "send";
      template: string;
      /** Liquid source, rendered by the mail layer with `context`. */
      subject: string;
      /** Subject to the site's per-contact frequency cap. */
      frequencyCap: boolean;
      /** The trigger says `frequencyCap: false` (order mail): only for verified addresses.
       * Absent in effects queued before it existed. */
      exempt?: boolean;
      /** Marketing mail (consent, unsubscribe and suppression apply). */
      marketing: boolean;
      email: string;
      /** Snapshot for the template: contact, cart, product, order, event, site. */
      context: Record<string, unknown>;
    })
  | (StepRef & {
      type: "webhook";
      url: string;
      payload: Record<string, unknown>;
    });

/**
 * The pseudo-trigger of confirmation emails (double opt-in). Config trigger ids cannot start with
 * "_", so it never collides; its sends are keyed, paced, capped by `dailyLimit` and recorded like
 * any step.
 */
export const CONFIRM_TRIGGER = "_confirm";
/** The template of confirmation emails. */
export const CONFIRM_TEMPLATE = "confirm";

export type SendEffect = Extract<Effect, { type: "send" }>;
export type WebhookEffect = Extract<Effect, { type: "webhook" }>;

/** The fact-side reference of a queued step (what facts about its outcome carry). */
export function stepRefOf(e: Effect): FactStepRef {
  const { key, trigger, episode, step, variant, holdout } = e;
  return { key, trigger, episode, step, variant, holdout };
}

/** `site.trigger.episode.step`: each part is already URL-safe ([A-Za-z0-9_-]). */
export function stepKey(site: string, trigger: string, episode: string, step: number): string {
  return `${site}.${trigger}.${episode}.${step}`.slice(0, 256);
}
