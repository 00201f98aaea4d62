// Pure per-contact send policy: suppression, the topics (kinds of email) the person stopped, the
// daily ceiling on all email, the cross-trigger frequency cap on marketing email and the send
// ledger that makes each (site, trigger, episode, step) key exactly-once in effect.
// The Contact Durable Object stores ContactState and calls these; no I/O here.
import { DAY } from "../config/duration.ts";
import { DAILY_LIMIT_MAX } from "../config/schema.ts";

export type SuppressReason = "unsubscribed" | "bounced" | "complained";

export interface LedgerEntry {
  outcome: "sent" | "failed" | "skipped";
  at: number;
  /** Why it failed or was skipped (e.g. "capped", "http_422_validation_error"). */
  reason?: string;
  /** Provider message id of a sent email. */
  messageId?: string;
  /** The topic a step skipped as `unsubscribed_topic` belonged to. */
  topic?: string;
}

export interface ContactState {
  suppressed: { reason: SuppressReason; at: number } | null;
  /** Decided keys → outcome. A recorded key is never sent again. */
  ledger: Record<string, LedgerEntry>;
  /** Send times of recent capped marketing emails, oldest first (bounded). */
  recentMarketing: number[];
  /** Send times of every email in the last 24 h, oldest first (the daily ceiling). Absent in
   * records stored before the ceiling existed. */
  recentSends?: number[];
  /** Topics (kinds of email) the person stopped on the unsubscribe page → when. Absent in
   * records stored before topics existed. */
  optedOut?: Record<string, number>;
}

export interface SendRequest {
  key: string;
  marketing: boolean;
  /** The trigger is subject to the cap (false: exempt, e.g. order mail). */
  frequencyCap: boolean;
  /** The site's cap window in ms; null when the site has no cap. */
  capMs: number | null;
  /** Most emails of any kind to this address per 24 h (the site's `dailyLimit`). */
  dailyLimit: number;
  /** The kind of email (the trigger's topic, else its id); null when it has none. */
  topic?: string | null;
  now: number;
}

export type Decision =
  | { action: "send" }
  | { action: "duplicate" }
  | { action: "skip"; reason: "suppressed" | "unsubscribed_topic" | "daily_limit" | "capped" };

/** Recent capped sends remembered (far more than any sane cap needs). */
const RECENT_MAX = 20;

const sentToday = (state: ContactState, now: number) =>
  (state.recentSends ?? []).filter((t) => now - t < DAY);

export function emptyContact(): ContactState {
  return { suppressed: null, ledger: {}, recentMarketing: [] };
}

const capped = (req: Pick<SendRequest, "marketing" | "frequencyCap" | "capMs">) =>
  req.marketing && req.frequencyCap && req.capMs !== null && req.capMs > 0;

/**
 * Whether to send now. Unsubscribed contacts get no marketing email; bounced or complained
 * addresses get no email at all. Marketing email of a topic the person stopped is skipped
 * (transactional mail never is). No address gets more than `dailyLimit` emails in 24 h, whatever
 * the triggers say. At most one capped marketing email per contact per capMs.
 */
export function decide(state: ContactState, req: SendRequest): Decision {
  if (state.ledger[req.key]) return { action: "duplicate" };
  const s = state.suppressed;
  if (s && (req.marketing || s.reason !== "unsubscribed"))
    return { action: "skip", reason: "suppressed" };
  if (isOptedOut(state, req)) return { action: "skip", reason: "unsubscribed_topic" };
  if (sentToday(state, req.now).length >= req.dailyLimit)
    return { action: "skip", reason: "daily_limit" };
  if (capped(req) && req.capMs !== null) {
    const last = state.recentMarketing[state.recentMarketing.length - 1];
    if (last !== undefined && req.now - last < req.capMs)
      return { action: "skip", reason: "capped" };
  }
  return { action: "send" };
}

const isOptedOut = (state: ContactState, req: Pick<SendRequest, "marketing" | "topic">) =>
  req.marketing && !!req.topic && Object.hasOwn(state.optedOut ?? {}, req.topic);

/** Topics remembered (a site has at most 100 triggers, so at most 100 topics). */
const TOPICS_MAX = 100;

/** The person stopped one kind of email (the first time is kept). */
export function optOut(state: ContactState, topic: string, now: number): ContactState {
  const cur = state.optedOut ?? {};
  if (Object.hasOwn(cur, topic)) return state;
  const kept = Object.entries(cur)
    .sort((a, b) => a[1] - b[1])
    .slice(-(TOPICS_MAX - 1));
  return { ...state, optedOut: { ...Object.fromEntries(kept), [topic]: now } };
}

/** The person wants that kind of email again. */
export function optBackIn(state: ContactState, topic: string): ContactState {
  const cur = state.optedOut ?? {};
  if (!Object.hasOwn(cur, topic)) return state;
  const { [topic]: _gone, ...rest } = cur;
  return { ...state, optedOut: rest };
}

function record(state: ContactState, key: string, entry: LedgerEntry): ContactState {
  return { ...state, ledger: { ...state.ledger, [key]: entry } };
}

/** The email went out: the key is spent, it counts for the day and, if capped, the cap window
 * starts now. */
export function recordSent(
  state: ContactState,
  req: SendRequest,
  messageId?: string,
): ContactState {
  const next = {
    ...record(state, req.key, {
      outcome: "sent",
      at: req.now,
      ...(messageId === undefined ? {} : { messageId }),
    }),
    recentSends: [...sentToday(state, req.now), req.now].slice(-DAILY_LIMIT_MAX),
  };
  if (!capped(req)) return next;
  return { ...next, recentMarketing: [...state.recentMarketing, req.now].slice(-RECENT_MAX) };
}

/** The provider refused for good (not retryable): the key is spent, recorded with its reason. */
export function recordFailed(
  state: ContactState,
  key: string,
  now: number,
  reason: string,
): ContactState {
  return record(state, key, { outcome: "failed", at: now, reason });
}

/** Decided not to send (suppressed, capped): the key is spent so retries stay consistent. */
export function recordSkipped(
  state: ContactState,
  key: string,
  now: number,
  reason: string,
  topic?: string,
): ContactState {
  return record(state, key, {
    outcome: "skipped",
    at: now,
    reason,
    ...(topic === undefined ? {} : { topic }),
  });
}

/** Stops further email from `now` on; the first reason is kept (bounce beats unsubscribe). */
export function suppress(state: ContactState, reason: SuppressReason, now: number): ContactState {
  const cur = state.suppressed;
  if (cur && (cur.reason !== "unsubscribed" || reason === "unsubscribed")) return state;
  return { ...state, suppressed: { reason, at: now } };
}

/** The person asked for marketing email again: an unsubscribe is lifted (a bounce or a
 * complaint is not: the address itself cannot take mail). */
export function resubscribe(state: ContactState): ContactState {
  return state.suppressed?.reason === "unsubscribed" ? { ...state, suppressed: null } : state;
}

/** Forgets ledger entries older than `maxAgeMs` (the visitor retention bounds episode life). */
export function pruneLedger(state: ContactState, now: number, maxAgeMs: number): ContactState {
  const ledger: Record<string, LedgerEntry> = {};
  for (const [k, v] of Object.entries(state.ledger)) if (now - v.at <= maxAgeMs) ledger[k] = v;
  return { ...state, ledger };
}
