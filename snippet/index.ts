// Entry (loader): reads the <script data-site> tag, installs window.nudge (replaying the calls
// the inline stub queued, in order) and starts automatic capture. Idempotent; never throws.
// Outside a secure context (plain http) crypto.randomUUID is missing: the first page view throws
// inside the `try`, before window.nudge is installed, and the tag does nothing more.
// (storage.ts and safe.ts first, forms.ts before api.ts: of the module orders, this one gzips
// smallest, by 1 to 4 B)
import { store } from "./storage.ts";
import { on, safe } from "./safe.ts";
import { onForm } from "./forms.ts";
import { call } from "./api.ts";
import { page, scan, watchPages } from "./page.ts";
import { allow, flush, setup } from "./transport.ts";

type Nudge = ((...a: unknown[]) => void) & { q?: unknown[][]; l?: 1 };
declare global {
  interface Window {
    nudge?: Nudge;
  }
  interface Document {
    prerendering?: boolean;
  }
  interface Navigator {
    globalPrivacyControl?: boolean;
  }
}

try {
  const s = document.currentScript as HTMLScriptElement;
  const { site, api, consent } = s.dataset;
  /** Everything, once the page is really shown. */
  const start = () => {
    // Identity token from an email link: read, then removed from the address bar.
    const u = new URL(location.href);
    const t = u.searchParams.get("nudge_t"); // null: none (the worker takes null)
    if (t) {
      u.searchParams.delete("nudge_t");
      history.replaceState(history.state, "", u);
    }
    setup(api || new URL("/e", s.src), {
      site: site!,
      tz: Intl.DateTimeFormat().resolvedOptions().timeZone,
      t,
    });
    const n: Nudge = safe(call);
    n.l = 1;
    // Consent: a remembered choice wins; else off when required or when GPC is on.
    const c = store("c");
    allow(c ? c == "1" : consent != "required" && !navigator.globalPrivacyControl);
    page();
    window.nudge?.q?.map((a) => n(...a)); // what the stub queued, in order
    window.nudge = n;
    if (document.readyState == "loading") on("DOMContentLoaded", scan);
    else scan();
    watchPages();
    on("input", onForm);
    on("submit", onForm);
    // The page is hidden or left: send what is pending now, by beacon.
    on("visibilitychange", () => document.hidden && flush(1));
    on("online", () => flush());
  };
  // Loaded twice (or without data-site): the first copy stays in charge. A prerendered page
  // is not a view: start when (if ever) it is shown.
  if (site && !window.nudge?.l) {
    if (document.prerendering) on("prerenderingchange", start);
    else start();
  }
} catch {
  /* ours, never the page's */
}
