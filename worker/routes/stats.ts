// GET /admin/api/stats?site=…&from=…&to=…: the measurement report (funnels, reasons, daily
// series, lift) as JSON, and POST /_dev/stats, a seeding route that exists only when NUDGE_ENV is
// "test" or "development" (404 otherwise) and needs the admin bearer token. Decisions live in
// worker/stats/.
import { Hono } from "hono";
import { loadSiteConfig } from "../config/load.ts";
import { httpError, zodIssues } from "../lib/errors.ts";
import { loadReport } from "../stats/read.ts";
import { recordStats } from "../stats/record.ts";
import type { Report } from "../stats/report.ts";
import { parseStatsQuery, SeedSchema, type StatsQuery } from "../stats/schema.ts";
import { requireAdmin } from "./admin.ts";

export const stats = new Hono<{ Bindings: Env }>();

/** The report for a validated query; "unknown_site" when no config is stored for the site. */
export async function siteReport(
  env: Env,
  q: StatsQuery,
): Promise<{ ok: true; report: Report } | { ok: false; reason: "unknown_site" }> {
  const config = await loadSiteConfig(env.NUDGE_CONFIG, q.site);
  if (!config.ok && config.reason === "unknown_site") return { ok: false, reason: "unknown_site" };
  // An invalid stored config still has history worth showing; only its trigger list is missing.
  const triggers = config.ok ? config.config.triggers.map((t) => t.id) : [];
  return { ok: true, report: await loadReport(env, q, triggers) };
}

stats.use("/admin/api/stats", requireAdmin);
stats.get("/admin/api/stats", async (c) => {
  const q = parseStatsQuery(c.req.query(), Date.now());
  if (!q.ok) throw httpError(400, "invalid_query", q.issues);
  const r = await siteReport(c.env, q.value);
  if (!r.ok) throw httpError(404, r.reason);
  return c.json(r.report, 200, { "cache-control": "no-store" });
});

const DEV_ENVS = new Set(["test", "development"]);

stats.post(
  "/_dev/stats",
  async (c, next) => {
    if (!DEV_ENVS.has(c.env.NUDGE_ENV)) throw httpError(404, "not_found");
    await next();
  },
  requireAdmin,
  async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw httpError(400, "invalid_json");
    }
    const parsed = SeedSchema.safeParse(body);
    if (!parsed.success) throw httpError(400, "invalid_events", zodIssues(parsed.error.issues));
    await recordStats(c.env, parsed.data.events);
    return c.json({ recorded: parsed.data.events.length }, 202);
  },
);
