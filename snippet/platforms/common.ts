// What the platform adapters share. An adapter is a separate IIFE that GET /nudge.js?platform=…
// appends to the core (worker/routes/snippet.ts); it talks to the core only through the public
// `nudge(…)` API (README "Install the tag on a store") and reads the visitor id the core stored.
// Nothing here throws into the page: the entry runs inside `safe`, every promise ends in a catch.
import type { WireEvent } from "../../worker/ingest/wire.ts";

export type Item = Extract<WireEvent, { name: "cart" }>["data"]["items"][number];

/** `nudge(…)`, or, while the core is not running yet (prerender), the stub queue it replays. */
export const call = (...a: unknown[]): void =>
  (window.nudge ||= (...b: unknown[]) => {
    (window.nudge!.q ||= []).push(b);
  })(...a);

let reads = 0;

/**
 * GETs JSON from `url` and hands it to `f`, unless a later read started meanwhile (answers can
 * arrive out of order). A failure, or `f` throwing (an unexpected shape, storage that throws),
 * is dropped.
 */
export const read = <T>(url: string, f: (json: T) => unknown): void => {
  const n = ++reads;
  fetch(url)
    .then((r) => r.json())
    .then((j: T) => n == reads && f(j))
    .catch(() => {});
};

/**
 * Calls `f` each time a request of the page to a URL `re` matches has been answered, whatever
 * made it (fetch, XMLHttpRequest, a library): a Resource Timing observer, so the page's own
 * functions are never wrapped. The entry is recorded once the response is complete: the cart
 * has changed by then. Entries carry no method: `re` names only endpoints that change the cart.
 */
export const watch = (re: RegExp, f: () => void): void =>
  new PerformanceObserver((l) => l.getEntries().some((e) => re.test(e.name)) && f()).observe({
    type: "resource",
  });

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
