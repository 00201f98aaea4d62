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

/** Oldest first; entries at the same time keep their order. */
export function byTime(entries: readonly TimelineEntry[]): TimelineEntry[] {
  return entries
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.at - b.e.at || a.i - b.i)
    .map((x) => x.e);
}
