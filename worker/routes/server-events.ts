// POST /v1/events: events from the store's own systems (its backend, a job, a platform bridge),
// authenticated with `Authorization: Bearer <NUDGE_SERVER_KEY>`. Up to 100 events, idempotent by
// event id; each names who it is about by email (→ the person's Contact object, which passes it
// to every device) or vid (→ that visitor). What they say is verified: their addresses need no
// confirmation and their purchases are revenue. Never a 500 for anything a client can send.
import { Hono } from "hono";
import { marketingTopics } from "../config/topics.ts";
import { FUTURE_SLACK_MS } from "../ingest/server-events.ts";
import { ServerBatchSchema } from "../ingest/server-wire.ts";
import { httpError } from "../lib/errors.ts";
import { log } from "../lib/log.ts";
import { deliverServerEvents } from "./deliver.ts";
import { limitBody, requireServerKey, serverRequest } from "./server-key.ts";

export const MAX_SERVER_BODY_BYTES = 512 * 1024;

export const serverEvents = new Hono<{ Bindings: Env }>();

serverEvents.post(
  "/v1/events",
  requireServerKey("server_events.rejected"),
  limitBody(MAX_SERVER_BODY_BYTES),
  async (c) => {
    const { data, config } = await serverRequest(c, ServerBatchSchema, "server_events.rejected");
    const { site, events } = data;
    const now = Date.now();
    const future = events.findIndex((e) => e.at !== undefined && e.at > now + FUTURE_SLACK_MS);
    if (future >= 0)
      throw httpError(400, "invalid_batch", [
        { path: `events[${future}].at`, message: "is in the future" },
      ]);
    // An unsubscribe from one kind of email names a kind this site sends (a typo stops nothing).
    const topics = marketingTopics(config);
    const unknownTopic = events.findIndex(
      (e) =>
        (e.name === "unsubscribe" || e.name === "resubscribe") &&
        e.data.topic !== undefined &&
        !topics.includes(e.data.topic),
    );
    if (unknownTopic >= 0) {
      log("info", "server_events.rejected", { site, reason: "unknown_topic" });
      throw httpError(400, "invalid_batch", [
        {
          path: `events[${unknownTopic}].data.topic`,
          message: `is not a topic of this site's marketing triggers (${topics.join(", ") || "none"})`,
        },
      ]);
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
