// The admin JSON API under /admin/api (the guard is installed once, by the admin app in index.ts):
// what is not configured yet (setup), the stats report, a site's coupon pools, its catalog and one product's watchers, a visitor's state, a contact's id (from an address in
// a POST body) and, by that id only, a contact's record, timeline, export and erasure. Decisions live in the objects and in
// worker/stats/; these handlers validate ids and pick the object.
import { Hono } from "hono";
import { z } from "zod";
import { catalogStub } from "../catalog/catalog.ts";
import { WATCHER_SHARDS, watcherStub } from "../catalog/watchers.ts";
import { loadSiteConfig } from "../config/load.ts";
import { contactHash } from "../lib/crypto.ts";
import { httpError, zodIssues } from "../lib/errors.ts";
import { email } from "../ingest/wire.ts";
import { CONTACT_ID, SITE_ID, VISITOR_ID } from "../lib/ids.ts";
import { log } from "../lib/log.ts";
import { contactStub, visitorStub } from "../lib/stubs.ts";
import { devOutbox } from "../mail/dev-outbox.ts";
import { sitePools } from "../offers/coupon-pool.ts";
import { loadReport } from "../stats/read.ts";
import { forgetInStats } from "../stats/record.ts";
import type { Report } from "../stats/report.ts";
import { parseStatsQuery, type StatsQuery } from "../stats/schema.ts";
import { deploymentSetup, knownSites } from "./setup.ts";
import { loadTimeline, refuseAddress } from "./timeline.ts";
import { timelineJson } from "../timeline/entry.ts";
import { snapshotJson } from "../contact/record.ts";

export const api = new Hono<{ Bindings: Env }>();

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

/** What the deployment has not configured yet: names, consequences and fixes, never values. */
api.get("/setup", async (c) => {
  const items = await deploymentSetup(c.env, await knownSites(c.env.NUDGE_CONFIG));
  return c.json({ env: c.env.NUDGE_ENV, items }, 200, { "cache-control": "no-store" });
});

api.get("/stats", async (c) => {
  const q = parseStatsQuery(c.req.query(), Date.now());
  if (!q.ok) throw httpError(400, "invalid_query", q.issues);
  const r = await siteReport(c.env, q.value);
  if (!r.ok) throw httpError(404, r.reason);
  return c.json(r.report, 200, { "cache-control": "no-store" });
});

/** A site's coupon pools and how many codes each has left. */
api.get("/coupons", async (c) => {
  const site = c.req.query("site") ?? "";
  if (!SITE_ID.test(site)) throw httpError(400, "invalid_site");
  const config = await loadSiteConfig(c.env.NUDGE_CONFIG, site);
  if (!config.ok && config.reason === "unknown_site") throw httpError(404, "unknown_site");
  return c.json({ pools: await sitePools(c.env, site) }, 200, { "cache-control": "no-store" });
});

/** A site's catalog: products stored, available, and fan-out jobs not yet handed over. */
api.get("/catalog", async (c) => {
  const site = c.req.query("site") ?? "";
  if (!SITE_ID.test(site)) throw httpError(400, "invalid_site");
  const config = await loadSiteConfig(c.env.NUDGE_CONFIG, site);
  if (!config.ok && config.reason === "unknown_site") throw httpError(404, "unknown_site");
  return c.json(await catalogStub(c.env, site).counts(), 200, { "cache-control": "no-store" });
});

/** One product: the catalog's facts and who is waiting on it (restock requests, recent viewers,
 * fan-outs in progress), summed over its watcher shards. */
api.get("/catalog/:site/products/:id", async (c) => {
  const { site, id } = c.req.param();
  if (!SITE_ID.test(site)) throw httpError(400, "invalid_site");
  if (!id || id.length > 128) throw httpError(400, "invalid_id");
  const [facts, shards] = await Promise.all([
    catalogStub(c.env, site).lookup([id]),
    Promise.all(
      Array.from({ length: WATCHER_SHARDS }, (_, s) => watcherStub(c.env, site, id, s).counts()),
    ),
  ]);
  const sum = (k: "watchers" | "viewers" | "jobs") => shards.reduce((n, x) => n + x[k], 0);
  return c.json(
    {
      product: facts[id] ?? null,
      watchers: sum("watchers"),
      viewers: sum("viewers"),
      fanouts: sum("jobs"),
    },
    200,
    { "cache-control": "no-store" },
  );
});

api.get("/visitors/:site/:vid", async (c) => {
  const { site, vid } = c.req.param();
  if (!SITE_ID.test(site) || !VISITOR_ID.test(vid)) throw httpError(400, "invalid_id");
  const state = await visitorStub(c.env, site, vid).snapshot();
  if (!state) throw httpError(404, "not_found");
  return c.json(state);
});

/** The body of a lookup: the address, read as ingest reads it (trimmed, lowercased). */
export const Lookup = z.object({ email });

/**
 * An address's contact id, for the routes below. The id is the keyed hash of (site, address):
 * computed, not looked up, so it is returned whether or not the contact exists, and the address
 * travels in the body, never in the URL (request lines end up in logs).
 */
api.post("/contacts/:site/lookup", async (c) => {
  const { site } = c.req.param();
  if (!SITE_ID.test(site)) throw httpError(400, "invalid_site");
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw httpError(400, "invalid_json");
  }
  const parsed = Lookup.safeParse(body);
  if (!parsed.success) throw httpError(400, "invalid_email", zodIssues(parsed.error.issues));
  const contact = await contactHash(c.env.NUDGE_SECRET, site, parsed.data.email);
  return c.json({ contact }, 200, { "cache-control": "no-store" });
});

/** The contact a path names by its id. An address in the path is refused, never used. */
function target(env: Env, site: string, raw: string) {
  refuseAddress(site, raw);
  if (!SITE_ID.test(site)) throw httpError(400, "invalid_site");
  const contact = raw.trim().toLowerCase();
  if (!CONTACT_ID.test(contact)) throw httpError(400, "invalid_id");
  return { contact, stub: contactStub(env, site, contact) };
}

/** "Why didn't they get it?": a contact's or a visitor's timeline (timeline.ts), oldest first,
 * times as ISO 8601. */
api.get("/timeline/:site/:id", async (c) => {
  const { site, id } = c.req.param();
  const t = await loadTimeline(c.env, site, id);
  if (!t) throw httpError(404, "not_found");
  return c.json(timelineJson(t), 200, { "cache-control": "no-store" });
});

api.get("/contacts/:site/:id", async (c) => {
  const { site, id } = c.req.param();
  const { contact, stub } = target(c.env, site, id);
  const snap = await stub.snapshot(contact);
  if (!snap) throw httpError(404, "not_found");
  return c.json(snapshotJson(snap));
});

/** A contact's data for an access request: its record and every linked visitor's state. */
api.get("/contacts/:site/:id/export", async (c) => {
  const { site, id } = c.req.param();
  const { contact, stub } = target(c.env, site, id);
  const snap = await stub.snapshot(contact);
  if (!snap) throw httpError(404, "not_found");
  const visitors = await Promise.all(
    snap.visitors.map(async (vid) => ({
      vid,
      state: await visitorStub(c.env, site, vid).snapshot(),
      activity: (await visitorStub(c.env, site, vid).activity())?.entries ?? [],
    })),
  );
  return c.json({ contact: snapshotJson(snap), visitors }, 200, { "cache-control": "no-store" });
});

api.delete("/contacts/:site/:id", async (c) => {
  const { site, id } = c.req.param();
  const { contact, stub } = target(c.env, site, id);
  // Visitors first, while the contact still lists them: a failure part-way can be repeated.
  const listed = (await stub.snapshot(contact))?.visitors ?? [];
  await Promise.all(listed.map((vid) => visitorStub(c.env, site, vid).erase()));
  const gone = await stub.erase();
  const late = gone.visitors.filter((v) => !listed.includes(v)); // linked meanwhile
  await Promise.all(late.map((vid) => visitorStub(c.env, site, vid).erase()));
  // Copies elsewhere: the stats shards' recent-failure lists and, in development, the outbox.
  await forgetInStats(c.env, site, contact);
  if (gone.email && !c.env.RESEND_API_KEY) await devOutbox(c.env).forget(gone.email);
  const visitors = listed.length + late.length;
  log("info", "contact.erased", { site, contact, visitors });
  return c.json({ erased: true, contact, visitors });
});
