// One line of a person's activity timeline ("why didn't she get it?"), as the Visitor object
// keeps it (worker/visitor/activity.ts), the Contact object derives it (worker/contact/
// timeline.ts) and the admin API and page show it. Pure type and helpers; no I/O.

export interface TimelineEntry {
  /** When it happened (ms since epoch). */
  at: number;
  /** What happened: an event ("event"), an engine fact (entered, due, held, skipped, …), what
   * the runner or the Contact object reported (sent, failed, retry, withheld) or a contact fact
   * (opened, clicked, unsubscribed, bounced, complained, verified). */
  kind: string;
  trigger?: string;
  /** 1-based, as the dashboard counts. */
  step?: number;
  episode?: string;
  /** Why (skipped, held, cancelled, failed, deferred): the code the logs and stats use. */
  reason?: string;
  /** A short non-personal summary: an event name and its product id or cart size, a provider
   * message id, a time. Never an address. */
  detail?: string;
  /** The visitor it is about (set when timelines of several visitors are merged). */
  vid?: string;
}

/** What GET /admin/api/timeline/:site/:id answers (worker/admin/timeline.ts). */
export interface Timeline {
  site: string;
  /** What the id named. */
  of: "contact" | "visitor";
  id: string;
  /** The contact id, when one is known (never the address). */
  contact: string | null;
  /** The visitors whose activity is merged in. */
  visitors: string[];
  /** Linked visitors left out (only the most recent MAX_VISITORS are read). */
  moreVisitors: number;
  entries: TimelineEntry[];
}

/** A timeline as the API answers it: each `at` as ISO 8601 (UTC). */
export interface TimelineJson extends Omit<Timeline, "entries"> {
  entries: (Omit<TimelineEntry, "at"> & { at: string })[];
}

export function timelineJson(t: Timeline): TimelineJson {
  return { ...t, entries: t.entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() })) };
}

/** What a send's outcome is, as both the Contact object (its ledger) and the visitor that asked
 * for the send (the answer it got) record it. */
const OUTCOME_KINDS = new Set(["sent", "withheld", "skipped", "failed"]);
const sendOf = (e: TimelineEntry) =>
  OUTCOME_KINDS.has(e.kind) && e.trigger && e.episode && e.step !== undefined
    ? `${e.kind}\n${e.trigger}\n${e.episode}\n${e.step}`
    : null;

/**
 * A contact's entries merged with its visitors' activity, oldest first, each send once: the
 * Contact object's ledger line and a visitor's copy of the same answer (same outcome, trigger,
 * episode and step) are one line, the ledger's (its source: the contact). Entries
 * from before the holdout had its own reason (`detail: "holdout"`) read as the newer ones do.
 */
export function mergeTimeline(
  contact: readonly TimelineEntry[],
  visitors: readonly TimelineEntry[],
): TimelineEntry[] {
  const recorded = new Set(contact.map(sendOf).filter((k) => k !== null));
  const rest = visitors.filter((e) => {
    const k = sendOf(e);
    return k === null || !recorded.has(k);
  });
  return byTime([...contact, ...rest].map(heldOutReason));
}

/** A held-out step or episode says so with the reason `holdout` (older entries put it in the
 * detail). */
function heldOutReason(e: TimelineEntry): TimelineEntry {
  if ((e.kind === "due" || e.kind === "entered") && e.detail === "holdout" && !e.reason) {
    const { detail: _detail, ...rest } = e;
    return { ...rest, reason: "holdout" };
  }
  return e;
}

/** Oldest first; entries at the same time keep their order. */
export function byTime(entries: readonly TimelineEntry[]): TimelineEntry[] {
  return entries
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.at - b.e.at || a.i - b.i)
    .map((x) => x.e);
}
