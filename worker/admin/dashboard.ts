// GET /admin: the stats dashboard (HTML) for ?site=…&from=…&to=…, under what the deployment
// has not configured yet (admin/setup.ts). The guard in front of it
// (auth.ts) answers the sign-in page instead when the request is not signed in. The page itself
// is a pure view (dashboard-view.ts).
import { Hono } from "hono";
import { dashboardPage, type DashboardView } from "./dashboard-view.ts";
import { DEFAULT_RANGE_DAYS, parseStatsQuery } from "../stats/schema.ts";
import { addDays, dayOf } from "../stats/rows.ts";
import { sitePools } from "../offers/coupon-pool.ts";
import { siteReport } from "./api.ts";
import { ADMIN_HTML_HEADERS } from "./auth.ts";
import { deploymentSetup, knownSites } from "./setup.ts";

export const dashboard = new Hono<{ Bindings: Env }>();

dashboard.get("/", async (c) => {
  const now = Date.now();
  const sites = await knownSites(c.env.NUDGE_CONFIG);
  const input = c.req.query();
  const site = input.site ?? sites[0] ?? "";
  const view: DashboardView = {
    sites,
    site,
    from: input.from ?? addDays(dayOf(now), 1 - DEFAULT_RANGE_DAYS),
    to: input.to ?? dayOf(now),
    report: null,
    setup: await deploymentSetup(c.env, sites),
  };
  const html = (status: 200 | 400 | 404, v: DashboardView) =>
    c.html(dashboardPage(v), status, ADMIN_HTML_HEADERS);

  if (!site) {
    return html(200, {
      ...view,
      notice: {
        kind: "info",
        title: "No site configured yet.",
        lines: ["Store a site config with `npx nudge push FILE`, then reload this page."],
      },
    });
  }
  const q = parseStatsQuery({ ...input, site }, now);
  if (!q.ok) {
    return html(400, {
      ...view,
      notice: {
        kind: "error",
        title: "Those filters are not valid.",
        lines: q.issues.map((i) => `${i.path}: ${i.message}`),
      },
    });
  }
  const r = await siteReport(c.env, q.value);
  if (!r.ok) {
    return html(404, {
      ...view,
      notice: { kind: "error", title: `No site "${site}" is configured.` },
    });
  }
  const pools = await sitePools(c.env, site);
  return html(200, { ...view, from: q.value.from, to: q.value.to, report: r.report, pools });
});
