// POST /v1/events: events from the store's own systems (its backend, a job, a platform bridge),
// authenticated with `Authorization: Bearer <NUDGE_SERVER_KEY>`. Up to 100 events, idempotent by
// event id; each names who it is about by email (→ the person's Contact object, which passes it
// to every device) or vid (→ that visitor). What they say is verified: their addresses need no
// confirmation and their purchases are revenue. Never a 500 for anything a client can send.
import { Hono } from "hono";
import { loadSiteConfig } from "../config/load.ts";
import { FUTURE_SLACK_MS } from "../ingest/server-events.ts";
import { ServerBatchSchema } from "../ingest/wire.ts";
import { httpError, zodIssues } from "../lib/errors.ts";
import { log } from "../lib/log.ts";
import { deliverServerEvents } from "./deliver.ts";
import { limitBody, requireServerKey } from "./server-key.ts";

export const MAX_SERVER_BODY_BYTES = 512 * 1024;

export const serverEvents = new Hono<{ Bindings: Env }>();

serverEvents.post(
  "/v1/events",
  requireServerKey("server_events.rejected"),
  limitBody(MAX_SERVER_BODY_BYTES),
  async (c) => {
    let json: unknown;
    try {
      json = JSON.parse(await c.req.text());
    } catch {
      throw httpError(400, "invalid_json");
    }
    const parsed = ServerBatchSchema.safeParse(json);
    if (!parsed.success) {
      const issues = zodIssues(parsed.error.issues);
      log("info", "server_events.rejected", { reason: "invalid_batch", detail: issues[0]?.path });
      throw httpError(400, "invalid_batch", issues);
    }
    const { site, events } = parsed.data;
    const now = Date.now();
    const future = events.findIndex((e) => e.at !== undefined && e.at > now + FUTURE_SLACK_MS);
    if (future >= 0)
      throw httpError(400, "invalid_batch", [
        { path: `events[${future}].at`, message: "is in the future" },
      ]);
    const cfg = await loadSiteConfig(c.env.NUDGE_CONFIG, site);
    if (!cfg.ok) {
      if (cfg.reason === "invalid_config") throw httpError(503, "site_unavailable");
      throw httpError(404, "unknown_site");
    }
    const limit = await c.env.SERVER_LIMITER.limit({ key: site });
    if (!limit.success) {
      log("warn", "server_events.rejected", { site, reason: "rate_limited" });
      throw httpError(429, "rate_limited", undefined, { "retry-after": "60" });
    }

    const { accepted, duplicates } = await deliverServerEvents(
      c.env,
      site,
      events,
      new URL(c.req.url).origin,
      now,
    );
    log("info", "server_events.accepted", { site, events: accepted, duplicates });
    return c.json({ accepted, duplicates }, 202);
  },
);
