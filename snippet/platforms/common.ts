// What the platform adapters share. An adapter is a separate IIFE that GET /nudge.js?platform=…
// appends to the core (worker/routes/snippet.ts); it talks to the core only through the public
// `nudge(…)` API (README "Install the tag on a store") and reads the visitor id the core stored.
// Nothing here throws into the page: each entry runs inside `try`, every promise ends in a catch.
import type { WireEvent } from "../../worker/ingest/wire.ts";

export type Item = Extract<WireEvent, { name: "cart" }>["data"]["items"][number];

/** window as this module sees it (the core's declaration differs between tsconfigs). */
type W = { nudge?: ((...a: unknown[]) => void) & { q?: unknown[][] } };

/** `nudge(…)`, or, while the core is not running yet (prerender), the stub queue it replays. */
export const call = (...a: unknown[]): void => {
  ((window as W).nudge ||= (...b: unknown[]) => {
    ((window as W).nudge!.q ||= []).push(b);
  })(...a);
};

/** The page's fetch before `watch` wrapped it: the adapter's own requests go unwatched. */
export const get = fetch;

let reads = 0;

/**
 * GETs JSON from `url` and hands it to `f`, unless a later read started meanwhile (answers can
 * arrive out of order). A failure, or `f` throwing (an unexpected shape, storage that throws),
 * is dropped; so is the failure of a promise `f` returns.
 */
export const read = <T>(url: string, f: (json: T) => unknown): void => {
  const n = ++reads;
  get(url)
    .then((r) => r.json())
    .then((j: T) => n == reads && f(j))
    .catch(() => {});
};

/**
 * Calls `f` once each request of the page to a URL `re` matches is answered, by fetch or
 * XMLHttpRequest: the cart has changed by then. The page's own calls go through unchanged (same
 * arguments, same promise, same XHR). `f` must not throw (it would reject a promise of ours).
 * (Resource Timing would need no wrapping, but Chromium records a fetch only once the page has
 * read its body, which a theme may never do.)
 */
export const watch = (re: RegExp, f: () => void): void => {
  window.fetch = (...a: Parameters<typeof fetch>) => {
    const p = get(...a);
    if (re.test(((a[0] as Request)?.url || a[0]) as string)) p.then(f, f);
    return p;
  };
  const open = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (this: XMLHttpRequest, ...a: unknown[]) {
    if (re.test(a[1] as string)) this.addEventListener("load", f);
    return open.apply(this, a as Parameters<typeof open>);
  };
};

/**
 * Reports the cart unless it is the one last reported, by this page or another (a compact
 * signature of ids, quantities and prices in localStorage, `nudge_pc`). An empty cart is
 * reported only after a reported non-empty one. Called inside `read` (storage may throw).
 */
export const report = (items: Item[], currency?: string): void => {
  const k = items.map((i) => [i.id, i.quantity, i.price]).join();
  if (k != (localStorage.nudge_pc || "")) {
    localStorage.nudge_pc = k;
    call("cart", { items, currency });
  }
};
