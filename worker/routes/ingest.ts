// POST /e: validates an event batch, checks site, origin and rate limits, and routes it to the
// Visitor object for (site, visitor id). Never a 500 for anything a client can send.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { loadSiteConfig } from "../config/load.ts";
import { fromWire } from "../events.ts";
import { httpError, zodIssues } from "../lib/errors.ts";
import { log } from "../lib/log.ts";
import { visitorStub } from "../lib/stubs.ts";
import { BatchSchema } from "../wire.ts";

export const MAX_BODY_BYTES = 64 * 1024;

export const ingest = new Hono<{ Bindings: Env }>();

// Only needed for `application/json` bodies; the snippet sends text/plain (no preflight).
ingest.options("/e", (c) =>
  c.body(null, 204, {
    "access-control-allow-origin": c.req.header("origin") ?? "*",
    "access-control-allow-methods": "POST",
    "access-control-allow-headers": "content-type",
    "access-control-max-age": "86400",
    vary: "origin",
  }),
);

ingest.post(
  "/e",
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw httpError(413, "payload_too_large");
    },
  }),
  async (c) => {
    const type = (c.req.header("content-type") ?? "text/plain").split(";")[0]!.trim().toLowerCase();
    if (type !== "text/plain" && type !== "application/json") {
      throw httpError(415, "unsupported_media_type");
    }
    let json: unknown;
    try {
      json = JSON.parse(await c.req.text());
    } catch {
      log("info", "event.rejected", { reason: "invalid_json" });
      throw httpError(400, "invalid_json");
    }
    const parsed = BatchSchema.safeParse(json);
    if (!parsed.success) {
      const issues = zodIssues(parsed.error.issues);
      log("info", "event.rejected", { reason: "invalid_batch", detail: issues[0]?.path });
      throw httpError(400, "invalid_batch", issues);
    }
    const batch = parsed.data;
    const cfg = await loadSiteConfig(c.env.NUDGE_CONFIG, batch.site);
    if (!cfg.ok) {
      log("info", "event.rejected", { site: batch.site, reason: cfg.reason });
      if (cfg.reason === "invalid_config") throw httpError(503, "site_unavailable");
      throw httpError(403, "unknown_site");
    }
    const origin = requestOrigin(c.req.header("origin"), c.req.header("referer"));
    if (!origin || !cfg.config.origins.includes(origin)) {
      log("info", "event.rejected", { site: batch.site, reason: "origin_not_allowed" });
      throw httpError(403, "origin_not_allowed");
    }
    const cors = { "access-control-allow-origin": origin, vary: "origin" };
    const ip = c.req.header("cf-connecting-ip") ?? "local";
    const [byVisitor, byIp] = await Promise.all([
      c.env.VISITOR_LIMITER.limit({ key: `${batch.site}:${batch.vid}` }),
      c.env.IP_LIMITER.limit({ key: `${batch.site}:${ip}` }),
    ]);
    if (!byVisitor.success || !byIp.success) {
      log("warn", "event.rejected", { site: batch.site, vid: batch.vid, reason: "rate_limited" });
      throw httpError(429, "rate_limited", undefined, { "retry-after": "60", ...cors });
    }
    const now = Date.now();
    const result = await visitorStub(c.env, batch.site, batch.vid).ingest({
      site: batch.site,
      vid: batch.vid,
      tz: batch.tz ?? null,
      events: batch.events.map((e) => fromWire(e, now)),
    });
    log("info", "event.accepted", {
      site: batch.site,
      vid: batch.vid,
      events: result.accepted,
      duplicates: result.duplicates,
    });
    return c.json(result, 202, cors);
  },
);

/** The page's origin: the Origin header, else the Referer's origin (some beacons omit Origin). */
export function requestOrigin(origin?: string, referer?: string): string | null {
  if (origin && origin !== "null") return origin;
  if (referer && URL.canParse(referer)) return new URL(referer).origin;
  return null;
}
