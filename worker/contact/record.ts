// What one Contact object stores (one JSON row), its pure transitions (a step delivered, held
// out or settled without a send) and the small helpers for touches and measurement events.
// No I/O; the Contact object loads, calls these and saves.
import { DAY } from "../config/duration.ts";
import { CONFIRM_TRIGGER, type SkipReason } from "../engine/index.ts";
import type { Touch, Touches } from "../stats/attribution.ts";
import { addTouch, emptyTouches } from "../stats/attribution.ts";
import type { Group, StatEvent } from "../stats/types.ts";
import {
  emptyContact,
  pruneLedger,
  recordFailed,
  recordSent,
  recordSkipped,
  type ContactState,
  type SendRequest,
} from "./policy.ts";

export interface ContactRecord {
  site: string;
  email: string;
  policy: ContactState;
  /** Ledger key → the visitor whose episode sent it (email_open/click go back there). */
  sentFrom: Record<string, string>;
  touches: Touches;
  /** Recent svix-ids, so a redelivered webhook changes nothing. */
  webhooks: string[];
  /** Who vouched for the address, and when (first time only); absent/null: a browser's claim. */
  verified?: { via: VerifiedVia; at: number } | null;
  /** When the last double opt-in confirmation email went out. */
  confirmSentAt?: number | null;
  /** Recent server event ids (POST /v1/events), so a retried call changes nothing. */
  serverEvents?: string[];
}

/** How an address became verified: a confirmed opt-in, a click on our signed link, the store's
 * backend (server events, platform webhooks) or a valid `user_hash`. */
export type VerifiedVia = "confirmed" | "click" | "server" | "user_hash";

export interface ContactSnapshot {
  site: string;
  contact: string;
  email: string;
  suppressed: ContactState["suppressed"];
  /** Kinds of email (topics) the person stopped → when. */
  optedOut: Record<string, number>;
  verified: ContactRecord["verified"] | null;
  sends: ({ key: string } & ContactState["ledger"][string])[];
  visitors: string[];
}

/** Ledger keys are kept this long (longer than any episode can live). */
const LEDGER_MAX_AGE_MS = 400 * 86_400_000;
const MAX_WEBHOOK_IDS = 500;

export function freshRecord(site: string, email: string): ContactRecord {
  return {
    site,
    email,
    policy: emptyContact(),
    sentFrom: {},
    touches: emptyTouches(),
    webhooks: [],
  };
}

const MAX_SERVER_EVENT_IDS = 1000;

/** Records server event ids as seen (bounded, newest last). */
export function withServerEvents(r: ContactRecord, ids: readonly string[]): ContactRecord {
  if (ids.length === 0) return r;
  return { ...r, serverEvents: [...(r.serverEvents ?? []), ...ids].slice(-MAX_SERVER_EVENT_IDS) };
}

/** The person's own visitor for what the store's systems report (the dot keeps a browser from
 * ever naming it). */
export const serverVid = (contact: string) => `srv.${contact}`;

export function withWebhook(r: ContactRecord, svixId: string): ContactRecord {
  return { ...r, webhooks: [...r.webhooks, svixId].slice(-MAX_WEBHOOK_IDS) };
}

export function snapshotOf(r: ContactRecord, contact: string, visitors: string[]): ContactSnapshot {
  return {
    site: r.site,
    contact,
    email: r.email,
    suppressed: r.policy.suppressed,
    optedOut: r.policy.optedOut ?? {},
    verified: r.verified ?? null,
    sends: Object.entries(r.policy.ledger).map(([key, e]) => ({ key, ...e })),
    visitors,
  };
}

/** A snapshot as the admin API answers it: every time as ISO 8601 (UTC). */
export function snapshotJson(s: ContactSnapshot) {
  const iso = (at: number) => new Date(at).toISOString();
  return {
    ...s,
    suppressed: s.suppressed ? { ...s.suppressed, at: iso(s.suppressed.at) } : null,
    verified: s.verified ? { ...s.verified, at: iso(s.verified.at) } : null,
    sends: s.sends.map((e) => ({ ...e, at: iso(e.at) })),
  };
}

export type StepRef = { trigger: string; episode: string; step: number; variant: number | null };

/** The common fields of a measurement about one step of one episode. */
export function statRef(
  site: string,
  r: StepRef,
  group: Group,
  at: number,
  contact: string,
): Omit<StatEvent, "metric"> {
  return { site, trigger: r.trigger, step: r.step, variant: r.variant, group, at, contact };
}

/** What Resend or our own pixel and links report about one sent email. */
export type Engagement = "delivered" | "open" | "click";

/**
 * The measurement of a delivery, open or click of the send `key`. Nothing unless the ledger holds
 * that key as sent (a held-out, skipped or failed step, or a key this object never sent, has no
 * email to open). Each counts once per send: the unique value is the send key, the same whether
 * our pixel or link or Resend's webhook reports it, so five opens of one email (pixel hits and
 * `email.opened` alike) are one open. An open or a click also counts the email delivered (it
 * proves it; still once per send), so the funnel never shows more opens than deliveries, with
 * or without a delivered webhook. All are dated at the send, so for any range of days they sit
 * on the same day as the send they belong to.
 */
export function engagementStats(
  r: ContactRecord,
  key: string,
  ref: StepRef,
  kind: Engagement,
  contact: string,
): StatEvent[] {
  const sent = r.policy.ledger[key];
  if (sent?.outcome !== "sent") return [];
  const base = statRef(r.site, ref, "treated", sent.at, contact);
  const delivered: StatEvent = { ...base, metric: "delivered", unique: `${key}:delivered` };
  if (kind === "delivered") return [delivered];
  const metric = kind === "open" ? "opened" : "clicked";
  return [delivered, { ...base, metric, unique: `${key}:${kind}` }];
}

/** A measurement about the contact as a whole (no email behind it). */
export function siteRef(site: string, at: number, contact: string): Omit<StatEvent, "metric"> {
  return { site, trigger: "", step: null, variant: null, group: "treated", at, contact };
}

export function touchOf(r: StepRef, group: Group, kind: Touch["kind"], at: number): Touch {
  const { trigger, episode, step, variant } = r;
  return { trigger, episode, step, variant, group, kind, at };
}

/** Where a step came from: the visitor whose episode it is, and the touch it leaves. */
export interface StepOrigin {
  vid: string;
  touch: Touch;
  /** The site's attribution window (ms): older touches are dropped. */
  window: number;
}

/** The email went out: the key is spent (cap window starts if capped), the touch recorded. */
export function delivered(
  r: ContactRecord,
  req: SendRequest,
  messageId: string,
  o: StepOrigin,
): ContactRecord {
  return {
    ...r,
    policy: pruneLedger(recordSent(r.policy, req, messageId), req.now, LEDGER_MAX_AGE_MS),
    sentFrom: { ...r.sentFrom, [req.key]: o.vid },
    touches: addTouch(r.touches, o.touch, o.window),
  };
}

/** Control group: nothing is sent, the key is spent, and the episode is measured as if sent. */
export function withheld(r: ContactRecord, key: string, now: number, o: StepOrigin): ContactRecord {
  return {
    ...r,
    policy: recordSkipped(r.policy, key, now, "holdout"),
    touches: addTouch(r.touches, o.touch, o.window),
  };
}

/** A step decided without a send (skipped or failed for good): the key is spent with its reason. */
export function settled(
  r: ContactRecord,
  key: string,
  at: number,
  outcome: "skipped" | "failed",
  reason: string,
  /** The topic of a step skipped because the person stopped it. */
  topic?: string,
): ContactRecord {
  const policy =
    outcome === "skipped"
      ? recordSkipped(r.policy, key, at, reason, topic)
      : recordFailed(r.policy, key, at, reason);
  return { ...r, policy };
}

/** Marks the address verified (the first proof is kept). Returns `r` itself when it already was. */
export function verifiedBy(r: ContactRecord, via: VerifiedVia, at: number): ContactRecord {
  return r.verified ? r : { ...r, verified: { via, at } };
}

/**
 * The trust rules for one step, before anything else is decided about it (null: go on):
 * - a confirmation email only for an address not yet verified, at most once per 24 h;
 * - with double opt-in, nothing else for an address nobody vouched for (the engine holds such
 *   steps; this is the Contact object's own check);
 * - triggers exempt from the frequency cap (order mail) only for verified addresses, so a forged
 *   purchase cannot make the shop write to a stranger.
 */
export function optInGate(
  r: ContactRecord | null,
  step: { trigger: string; exempt?: boolean },
  optIn: "double" | "single",
  now: number,
): Extract<SkipReason, "verified" | "recently_asked" | "unconfirmed" | "unverified"> | null {
  const verified = Boolean(r?.verified);
  if (step.trigger === CONFIRM_TRIGGER) {
    if (verified) return "verified";
    const last = r?.confirmSentAt;
    return typeof last === "number" && now - last < DAY ? "recently_asked" : null;
  }
  if (verified) return null;
  if (optIn === "double") return "unconfirmed";
  return step.exempt === true ? "unverified" : null;
}
