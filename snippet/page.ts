// Automatic page views (first load, SPA pushState/popstate, bfcache restores) and product
// views from JSON-LD (first load, bfcache). replaceState and same-URL repeats do not count.
import { emit } from "./payload.ts";
import { on, safe } from "./safe.ts";

let last: string;

/**
 * A page view, unless the URL is the one last counted (`force` = 1: nudge('page'), bfcache;
 * a listener's event object is not 1). The URL is remembered either way.
 */
export const page = (force?: unknown): void => {
  if (last != (last = location.href) || force == 1) emit("page");
};

/**
 * A product view if JSON-LD scripts mention a Product: their texts go as `{ ld: [...] }` and
 * the worker extracts the product (worker/ingest/jsonld.ts). It goes with the other pending
 * events: when the JSON-LD holds no usable product, the worker drops that one event, not the
 * batch. Texts too big for a batch are dropped by transport.ts, past 32,768 characters by the
 * worker.
 */
export const scan = (): void => {
  const ld: string[] = [];
  for (const s of document.querySelectorAll<HTMLScriptElement>('[type$="ld+json"]'))
    if (/Product/.test(s.text)) ld.push(s.text);
  if (ld[0]) emit("product", { ld });
};

export const watchPages = (): void => {
  const pushState = history.pushState;
  history.pushState = (...a: Parameters<History["pushState"]>) => {
    pushState.apply(history, a);
    safe(page)();
  };
  on("popstate", page);
  on("pageshow", (e) => (e as PageTransitionEvent).persisted && (page(1), scan()));
};
