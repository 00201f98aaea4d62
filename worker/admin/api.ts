// The admin JSON API under /admin/api (the guard is installed once, by the admin app in index.ts):
// the stats report, a visitor's state, a contact's record and erasure. Decisions live in the
// objects and in worker/stats/; these handlers validate ids and pick the object.
import { Hono } from "hono";
import { z } from "zod";
import { loadSiteConfig } from "../config/load.ts";
import { contactHash } from "../lib/crypto.ts";
import { httpError } from "../lib/errors.ts";
import { CONTACT_ID, SITE_ID, VISITOR_ID } from "../lib/ids.ts";
import { log } from "../lib/log.ts";
import { contactStub, visitorStub } from "../lib/stubs.ts";
import { devOutbox } from "../mail/dev-outbox.ts";
import { loadReport } from "../stats/read.ts";
import { forgetInStats } from "../stats/record.ts";
import type { Report } from "../stats/report.ts";
import { parseStatsQuery, type StatsQuery } from "../stats/schema.ts";

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

api.get("/stats", async (c) => {
  const q = parseStatsQuery(c.req.query(), Date.now());
  if (!q.ok) throw httpError(400, "invalid_query", q.issues);
  const r = await siteReport(c.env, q.value);
  if (!r.ok) throw httpError(404, r.reason);
  return c.json(r.report, 200, { "cache-control": "no-store" });
});

api.get("/visitors/:site/:vid", async (c) => {
  const { site, vid } = c.req.param();
  if (!SITE_ID.test(site) || !VISITOR_ID.test(vid)) throw httpError(400, "invalid_id");
  const state = await visitorStub(c.env, site, vid).snapshot();
  if (!state) throw httpError(404, "not_found");
  return c.json(state);
});

const Email = z.email().max(254);

/** The contact named by its email, or by its hash (keeps addresses out of request logs). */
async function target(env: Env, site: string, raw: string) {
  if (!SITE_ID.test(site)) throw httpError(400, "invalid_site");
  const email = raw.trim().toLowerCase();
  let contact: string;
  if (CONTACT_ID.test(email)) contact = email;
  else if (Email.safeParse(email).success)
    contact = await contactHash(env.NUDGE_SECRET, site, email);
  else throw httpError(400, "invalid_email");
  return { contact, stub: contactStub(env, site, contact) };
}

api.get("/contacts/:site/:email", async (c) => {
  const { site, email } = c.req.param();
  const { contact, stub } = await target(c.env, site, email);
  const snap = await stub.snapshot(contact);
  if (!snap) throw httpError(404, "not_found");
  return c.json(snap);
});

/** A contact's data for an access request: its record and every linked visitor's state. */
api.get("/contacts/:site/:email/export", async (c) => {
  const { site, email } = c.req.param();
  const { contact, stub } = await target(c.env, site, email);
  const snap = await stub.snapshot(contact);
  if (!snap) throw httpError(404, "not_found");
  const visitors = await Promise.all(
    snap.visitors.map(async (vid) => ({
      vid,
      state: await visitorStub(c.env, site, vid).snapshot(),
    })),
  );
  return c.json({ contact: snap, visitors }, 200, { "cache-control": "no-store" });
});

api.delete("/contacts/:site/:email", async (c) => {
  const { site, email } = c.req.param();
  const { contact, stub } = await target(c.env, site, email);
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
