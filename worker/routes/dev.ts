// Development-only routes, which exist (else 404) only when NUDGE_ENV is "test" or "development":
// the dev outbox, also only without RESEND_API_KEY (GET /_dev/outbox, list and previews, and
// GET /_dev/outbox.json), POST /_dev/stats, seeding measurement events with the admin token,
// GET /_dev/stats-usage, the rows a site's stats shards wrote since they started (for the ingest
// bench), and POST /_dev/ingest-stage, POST /e cut short after one of its stages (for
// bench/ingest-stages.ts).
import { Hono } from "hono";
import { keptMailJson, keptMailOnly, OUTBOX_LIMIT } from "../admin/outbox.ts";
import { z } from "zod";
import { BatchSchema } from "../ingest/wire.ts";
import { visitorStub } from "../lib/stubs.ts";
import {
  batchEvents,
  checkLimits,
  deliverBatch,
  ingestBodyLimit,
  parseBatch,
  readBatch,
  siteFor,
} from "./ingest.ts";
import { devOutbox } from "../mail/dev-outbox.ts";
import { requireAdmin } from "../admin/auth.ts";
import { httpError, zodIssues } from "../lib/errors.ts";
import { outboxPage } from "../mail/outbox-view.ts";
import { recordStats, statsUsageOf } from "../stats/record.ts";
import { SeedSchema } from "../stats/schema.ts";

export const dev = new Hono<{ Bindings: Env }>();

const DEV_ENVS = new Set(["test", "development"]);

dev.use("/_dev/*", async (c, next) => {
  if (!DEV_ENVS.has(c.env.NUDGE_ENV)) throw httpError(404, "not_found");
  await next();
});

dev.use("/_dev/outbox*", keptMailOnly);
dev.get("/_dev/outbox.json", keptMailJson);

dev.get("/_dev/outbox", async (c) =>
  c.html(outboxPage(await devOutbox(c.env).list(OUTBOX_LIMIT)), 200, {
    "cache-control": "no-store",
  }),
);

dev.post("/_dev/stats", requireAdmin, async (c) => {
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
});

const SiteQuery = BatchSchema.pick({ site: true });

dev.get("/_dev/stats-usage", requireAdmin, async (c) => {
  const q = SiteQuery.safeParse(c.req.query());
  if (!q.success) throw httpError(400, "invalid_site", zodIssues(q.error.issues));
  return c.json(await statsUsageOf(c.env, q.data.site));
});

/** Where POST /_dev/ingest-stage stops; `hop` alone calls the Visitor's no-op `ping` instead,
 * `hopWrite` its `pingWrite` (one row written). */
export const INGEST_STAGES = [
  "read",
  "parse",
  "config",
  "limits",
  "hop",
  "hopWrite",
  "full",
] as const;
const StageQuery = z.object({ stop: z.enum(INGEST_STAGES) });
const HopQuery = BatchSchema.pick({ site: true, vid: true });

/**
 * The same stage functions as POST /e, answering right after `stop` (`full` answers exactly as
 * /e does). `hop` and `hopWrite` read no body: `site` and `vid` in the query name the Visitor
 * object to call.
 */
dev.post("/_dev/ingest-stage", ingestBodyLimit, async (c) => {
  const query = StageQuery.safeParse(c.req.query());
  if (!query.success) throw httpError(400, "invalid_stage", zodIssues(query.error.issues));
  const stop = query.data.stop;
  if (stop === "hop" || stop === "hopWrite") {
    const hop = HopQuery.safeParse(c.req.query());
    if (!hop.success) throw httpError(400, "invalid_visitor", zodIssues(hop.error.issues));
    const visitor = visitorStub(c.env, hop.data.site, hop.data.vid);
    const at = await (stop === "hop" ? visitor.ping() : visitor.pingWrite());
    return c.json({ stop, at });
  }
  const text = await readBatch(c);
  if (stop === "read") return c.json({ stop, bytes: text.length });
  const batch = parseBatch(text);
  if (stop === "parse") return c.json({ stop });
  const { cors } = await siteFor(c, batch);
  if (stop === "config") return c.json({ stop }, 200, cors);
  await checkLimits(c, batch, cors);
  if (stop === "limits") return c.json({ stop }, 200, cors);
  const events = await batchEvents(c.env, batch);
  return c.json(await deliverBatch(c, batch, events, cors), 202, cors);
});
