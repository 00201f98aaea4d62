// Entry (loader): reads the <script data-site> tag, installs window.nudge (replaying the calls
// the inline stub queued, in order) and starts automatic capture. Idempotent; never throws.
import { call } from "./api.ts";
import { initConsent } from "./consent.ts";
import { watchForms } from "./forms.ts";
import { page, scan, watchPages } from "./page.ts";
import { on, safe } from "./safe.ts";
import { flush, setup } from "./transport.ts";

type Nudge = ((...a: unknown[]) => void) & { q?: unknown[][]; l?: 1 };
const w = window as unknown as { nudge?: Nudge };
const d = document as Document & { prerendering?: boolean };

safe(() => {
  const s = d.currentScript as HTMLScriptElement;
  const { site, api, consent } = s.dataset;
  /** Everything, once the page is really shown. */
  const start = () => {
    // Identity token from an email link: read, then removed from the address bar.
    const u = new URL(location.href);
    const p = u.searchParams;
    const t = p.get("nudge_t") || undefined;
    p.delete("nudge_t");
    if (t) history.replaceState(history.state, "", u);
    setup(api || new URL("/e", s.src), {
      site: site!,
      tz: Intl.DateTimeFormat().resolvedOptions().timeZone,
      t,
    });
    const queued = w.nudge?.q;
    const n: Nudge = (...a) => safe(call)(a);
    n.l = 1;
    w.nudge = n;
    initConsent(consent == "required");
    page();
    queued?.map((a) => n(...a));
    if (d.readyState == "loading") on("DOMContentLoaded", scan);
    else scan();
    watchPages();
    watchForms();
    // The page is hidden or left: send what is pending now, by beacon.
    on("visibilitychange", () => d.hidden && flush(1));
    on("online", () => flush());
  };
  // Loaded twice (or without data-site): the first copy stays in charge. A prerendered page
  // is not a view: start when (if ever) it is shown.
  if (site && !w.nudge?.l) {
    if (d.prerendering) on("prerenderingchange", start);
    else start();
  }
})();
