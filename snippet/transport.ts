// Delivery: pending events (250 ms debounce) go as text/plain POSTs with keepalive, or by
// sendBeacon when the page is hidden or left. Until sent they are mirrored in localStorage, so
// what fails (offline, network error, 5xx) or is cut off by navigation goes on the next page.
import type { Batch, WireEvent } from "../worker/ingest/wire.ts";
import { store } from "./storage.ts";

/** What every batch of this page shares (wire.ts `BatchSchema` minus vid and events). */
export type Context = Pick<Batch, "site" | "tz" | "t">;

/** Endpoint: `data-api`, else the script's origin + `/e`. */
let api: string | URL;
let ctx: Context;
/** Pending events, oldest first. */
let q: WireEvent[] = [];
/** Consent: while false nothing is sent or stored; events wait in memory only. */
let ok: boolean | undefined;
let timer: number | undefined;
let vid: string | undefined;

export const setup = (endpoint: string | URL, context: Context): void => {
  api = endpoint;
  ctx = context;
};

/** Mirrors the pending events into storage (only with consent). */
const keep = () => ok && store("q", JSON.stringify(q));

/**
 * Sends what is pending; `beacon` when the page is going away. A string body goes as
 * text/plain: no CORS preflight. Offline, nothing leaves; a network error or a 5xx puts the
 * batch back; a 4xx drops it (the same batch would fail again). Ids let the worker drop the
 * duplicates a retry may cause.
 *
 * A batch holds the first 50, 25, 12, 6, 3 or 1 events, the most whose body fits in 60,000
 * bytes: a keepalive request or a beacon carries at most 64 KiB, and so does the worker
 * (413). One event too big to go alone is dropped, unsent: every retry would fail the same.
 */
export const flush = (beacon?: unknown): void => {
  timer = 0;
  if (ok && navigator.onLine && q[0]) {
    store("vid", (vid ||= store("vid") || crypto.randomUUID())); // a stored id is kept
    let n = 50;
    let body: string;
    while (
      new Blob([(body = JSON.stringify({ ...ctx, vid, events: q.slice(0, n) }))]).size > 6e4 &&
      n
    )
      n >>= 1; // 0: the first event alone is too big
    const events = q.splice(0, n || 1);
    const fail = () => {
      q.unshift(...events);
      keep();
    };
    keep();
    if (n && !(beacon && navigator.sendBeacon(api, body)))
      fetch(api, { method: "POST", body, keepalive: true }).then(
        (r) => r.status > 499 && fail(),
        fail,
      );
    flush(beacon);
  }
};

/** Queues one event; while sending is allowed, a flush follows shortly. */
export const push = (e: WireEvent): void => {
  if (q.push(e) > 99) q.shift(); // at most 99 wait, the oldest go first
  keep();
  if (ok) timer ||= setTimeout(flush, 250) as unknown as number;
};

/**
 * Turns sending on: what an earlier page left in storage joins the queue, and all goes now.
 * Or off: the queue, its stored copy and the visitor id are forgotten.
 */
export const allow = (on: boolean): void => {
  // While sending, storage mirrors the queue: only a change from off to on reads it back.
  try {
    if (on && !ok) q.unshift(...JSON.parse(store("q")!));
  } catch {
    /* nothing stored, or unreadable */
  }
  ok = on;
  if (on) flush();
  else {
    q = [];
    vid = store("vid", 0);
    store("q", 0);
  }
};
