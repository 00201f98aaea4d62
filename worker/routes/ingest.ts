// POST /e: validates an event batch, checks site, origin and rate limits, and routes it to the
// Visitor object for (site, visitor id). Never a 500 for anything a client can send.
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { loadSiteConfig } from "../config/load.ts";
import { fromWire, type NudgeEvent } from "../ingest/events.ts";
import { sha256Hex } from "../lib/crypto.ts";
import { verifyToken } from "../mail/tokens.ts";
import { errorMessage } from "../lib/errors.ts";
import { httpError, zodIssues } from "../lib/errors.ts";
import { SITE_ID } from "../lib/ids.ts";
import { log } from "../lib/log.ts";
import { contactStub, visitorStub } from "../lib/stubs.ts";
import { checkUserHash } from "../ingest/user-hash.ts";
import {
  BatchSchema,
  ProductViewSchema,
  type ParsedBatch,
  type ParsedWireEvent,
} from "../ingest/wire.ts";
import type { IngestResult } from "../visitor/visitor.ts";

export const MAX_BODY_BYTES = 64 * 1024;

export const ingest = new Hono<{ Bindings: Env }>();

// Every /e answer is readable by the page (errors too), so the snippet can tell a bad batch
// (drop it) from a network failure (keep it and retry). No credentials are ever allowed.
ingest.use("/e", async (c, next) => {
  await next();
  const origin = c.req.header("origin");
  if (origin && !c.res.headers.has("access-control-allow-origin")) {
    c.res.headers.set("access-control-allow-origin", origin);
    c.res.headers.append("vary", "origin");
  }
});

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

/** The 413 for a body past MAX_BODY_BYTES (also used by the development stage route). */
export const ingestBodyLimit = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw httpError(413, "payload_too_large");
  },
});

ingest.post("/e", ingestBodyLimit, async (c) => {
  const batch = parseBatch(await readBatch(c));
  const { cors } = await siteFor(c, batch);
  await checkLimits(c, batch, cors);
  const events = await batchEvents(c.env, batch);
  return c.json(await deliverBatch(c, batch, events, cors), 202, cors);
});

// The stages of POST /e, in order. Each throws the HTTP error its check answers; the development
// stage route (routes/dev.ts) runs them one by one to show where the time goes.

type Ctx = Context<{ Bindings: Env }>;
type Cors = { "access-control-allow-origin": string; vary: string };

/** The body as text, of a type the snippet sends (text/plain) or a backend may (JSON). */
export async function readBatch(c: Ctx): Promise<string> {
  const type = (c.req.header("content-type") ?? "text/plain").split(";")[0]!.trim().toLowerCase();
  if (type !== "text/plain" && type !== "application/json") {
    throw httpError(415, "unsupported_media_type");
  }
  try {
    return await c.req.text();
  } catch {
    throw invalidJson();
  }
}

/** JSON, then the wire schema. */
export function parseBatch(text: string): ParsedBatch {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalidJson();
  }
  const parsed = BatchSchema.safeParse(withoutUnusableProductViews(json));
  if (!parsed.success) {
    const issues = zodIssues(parsed.error.issues);
    log("info", "event.rejected", { reason: "invalid_batch", detail: issues[0]?.path });
    throw httpError(400, "invalid_batch", issues);
  }
  return parsed.data;
}

/**
 * `json` without its product views from JSON-LD (`data.ld`) that hold no usable Product: each is
 * dropped on its own and logged, the rest of the batch goes on (the snippet sends such a view
 * with the other events pending; nothing else is lost). A batch left with no event is invalid.
 */
function withoutUnusableProductViews(json: unknown): unknown {
  const events = (json as { events?: unknown } | null)?.events;
  if (!Array.isArray(events)) return json;
  const kept = events.filter((e: unknown) => {
    const { name, data } = (e ?? {}) as { name?: unknown; data?: unknown };
    return !(
      name === "product" &&
      typeof data === "object" &&
      data !== null &&
      "ld" in data &&
      !ProductViewSchema.safeParse(data).success
    );
  });
  if (kept.length === events.length) return json;
  const site = (json as { site?: unknown }).site;
  log("info", "event.rejected", {
    site: typeof site === "string" && SITE_ID.test(site) ? site : undefined,
    reason: "no_product",
    events: events.length - kept.length,
  });
  return { ...(json as object), events: kept };
}

function invalidJson() {
  log("info", "event.rejected", { reason: "invalid_json" });
  return httpError(400, "invalid_json");
}

/** The site's config (isolate cache, then KV) and the page's origin, which it must allow. */
export async function siteFor(c: Ctx, batch: ParsedBatch): Promise<{ cors: Cors }> {
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
  return { cors: { "access-control-allow-origin": origin, vary: "origin" } };
}

/** The per-visitor and per-IP rate limits, and the per-IP allowance of new addresses. */
export async function checkLimits(c: Ctx, batch: ParsedBatch, cors: Cors): Promise<void> {
  const ip = c.req.header("cf-connecting-ip") ?? "local";
  const [byVisitor, byIp] = await Promise.all([
    c.env.VISITOR_LIMITER.limit({ key: `${batch.site}:${batch.vid}` }),
    c.env.IP_LIMITER.limit({ key: `${batch.site}:${ip}` }),
  ]);
  if (!byVisitor.success || !byIp.success) {
    log("warn", "event.rejected", { site: batch.site, vid: batch.vid, reason: "rate_limited" });
    throw httpError(429, "rate_limited", undefined, { "retry-after": "60", ...cors });
  }
  // Every new address a browser names costs its IP an allowance, so no stranger can make the
  // shop write to many addresses (a logged-in shopper's identify on every page costs nothing
  // after the first). More than two addresses in one batch is not a shopper.
  const addresses = addressesIn(batch.events);
  if (addresses.length > MAX_ADDRESSES_PER_BATCH)
    throw httpError(400, "too_many_addresses", undefined, cors);
  for (const address of LOOPBACK.test(ip) ? [] : addresses) {
    if (!firstSighting(`${batch.site}\n${ip}\n${address}`, Date.now())) continue;
    if (!(await c.env.ADDRESS_LIMITER.limit({ key: `${batch.site}:${ip}` })).success) {
      log("warn", "event.rejected", { site: batch.site, vid: batch.vid, reason: "addresses" });
      throw httpError(429, "rate_limited", undefined, { "retry-after": "60", ...cors });
    }
  }
}

/** The batch's events as stored: user_hash checked, an email link's identity first. */
export async function batchEvents(env: Env, batch: ParsedBatch): Promise<NudgeEvent[]> {
  const now = Date.now();
  const events: NudgeEvent[] = [];
  for (const wire of batch.events) {
    const plain = fromWire(wire, now);
    if (wire.name !== "identify") {
      events.push(plain); // only an identify can carry a user_hash
      continue;
    }
    const { event, result } = await checkUserHash(env.NUDGE_SERVER_KEY ?? "", plain);
    if (result === "invalid")
      log("info", "identity.unverified", {
        site: batch.site,
        vid: batch.vid,
        reason: "user_hash",
      });
    events.push(event);
  }
  if (batch.t) {
    const identity = await identityEvent(env, batch.site, batch.t, now).catch(() => null);
    if (identity) events.unshift(identity);
    else log("info", "identity.rejected", { site: batch.site, vid: batch.vid });
  }
  return events;
}

/** The Visitor object's ingest; a 503 (retry) when the object cannot answer. */
export async function deliverBatch(
  c: Ctx,
  batch: ParsedBatch,
  events: NudgeEvent[],
  cors: Cors,
): Promise<IngestResult> {
  let result;
  try {
    result = await visitorStub(c.env, batch.site, batch.vid).ingest({
      site: batch.site,
      vid: batch.vid,
      tz: batch.tz ?? null,
      base: new URL(c.req.url).origin,
      events,
    });
  } catch (err) {
    // The object is overloaded or restarting: the snippet keeps the batch and retries.
    log("error", "event.rejected", {
      site: batch.site,
      vid: batch.vid,
      reason: "visitor_unavailable",
      detail: errorMessage(err),
    });
    throw httpError(503, "unavailable", undefined, { "retry-after": "5", ...cors });
  }
  log("info", "event.accepted", {
    site: batch.site,
    vid: batch.vid,
    events: result.accepted,
    duplicates: result.duplicates,
  });
  return result;
}

/**
 * `nudge_t` from an email link → an identify event. The token is short-lived and bound to the
 * site; a bad one is ignored (the batch itself is fine), so a forged link identifies nobody.
 */
export async function identityEvent(
  env: Env,
  site: string,
  token: string,
  now: number,
): Promise<NudgeEvent | null> {
  const v = await verifyToken(env.NUDGE_SECRET, token, now, "identity");
  if (!v.ok || v.payload.site !== site) return null;
  // The token names the contact by hash; its Contact object knows the address.
  const email = await contactStub(env, site, v.payload.contact).emailOf();
  if (!email) return null;
  const id = `t.${(await sha256Hex(token)).slice(0, 24)}`;
  return { id, name: "identify", at: now, data: { email } };
}

/** The page's origin: the Origin header, else the Referer's origin (some beacons omit Origin). */
export function requestOrigin(origin?: string, referer?: string): string | null {
  if (origin && origin !== "null") return origin;
  if (referer && URL.canParse(referer)) return new URL(referer).origin;
  return null;
}

const MAX_ADDRESSES_PER_BATCH = 2;
/** Local development and test stacks (many simulated shoppers on one machine) are exempt. */
const LOOPBACK = /^(local|127\.\d+\.\d+\.\d+|::1)$/;

/** The distinct email addresses a batch names (identify, form submits, notify requests). */
export function addressesIn(events: readonly ParsedWireEvent[]): string[] {
  const out = new Set<string>();
  for (const e of events)
    if ((e.name === "identify" || e.name === "form_submit" || e.name === "notify") && e.data.email)
      out.add(e.data.email);
  return [...out];
}

/** (site, IP, address) seen lately, per isolate: a repeat is not a new address. */
const sightings = new Map<string, number>();
const SIGHTING_TTL_MS = 3_600_000;

function firstSighting(key: string, now: number): boolean {
  const at = sightings.get(key);
  if (at !== undefined && now - at < SIGHTING_TTL_MS) return false;
  if (sightings.size >= 10_000) sightings.clear();
  sightings.set(key, now);
  return true;
}
