// The Bearer check of the store's server API (POST /v1/events, /v1/coupons, /v1/catalog):
// `Authorization: Bearer <NUDGE_SERVER_KEY>`, compared in constant time, before anything else is
// read, so a wrong or missing key learns nothing else. `rejected` is the log message of a refusal.
import type { Context, MiddlewareHandler } from "hono";
import type { z } from "zod";
import { loadSiteConfig } from "../config/load.ts";
import type { SiteConfig } from "../config/schema.ts";
import { bodyLimit } from "hono/body-limit";
import { safeEqual } from "../lib/crypto.ts";
import { httpError, httpErrorMessage, zodIssues } from "../lib/errors.ts";
import { log } from "../lib/log.ts";

export function requireServerKey(rejected: string): MiddlewareHandler<{ Bindings: Env }> {
  return async (c, next) => {
    const key = c.env.NUDGE_SERVER_KEY ?? "";
    if (!key) {
      log("warn", rejected, { reason: "no_server_key" });
      throw httpErrorMessage(
        401,
        "unauthorized",
        "the worker has no NUDGE_SERVER_KEY: set it with `wrangler secret put NUDGE_SERVER_KEY`",
      );
    }
    const header = c.req.header("authorization") ?? "";
    const given = /^Bearer (.+)$/.exec(header)?.[1] ?? "";
    if (!(await safeEqual(given, key))) {
      log("warn", rejected, { reason: "bad_key" });
      throw httpError(401, "unauthorized", undefined, { "www-authenticate": "Bearer" });
    }
    await next();
  };
}

/** The body size limit of a server API route: a bigger body is a 413 before it is read. */
export function limitBody(maxSize: number): MiddlewareHandler<{ Bindings: Env }> {
  return bodyLimit({
    maxSize,
    onError: () => {
      throw httpError(413, "payload_too_large");
    },
  });
}

/**
 * The common start of a server API request, after the key and the size limit: the JSON body
 * checked with `schema` (400 invalid_json / invalid_batch with every issue's path), the site's
 * config (404 unknown_site, 503 site_unavailable for a stored config that does not load), and the
 * per-site limiter under `limitKey` (429). `rejected` is the log message of a refusal.
 */
export async function serverRequest<T extends { site: string }>(
  c: Context<{ Bindings: Env }>,
  schema: z.ZodType<T>,
  rejected: string,
  limitKey: (site: string) => string = (site) => site,
): Promise<{ data: T; config: SiteConfig }> {
  let json: unknown;
  try {
    json = JSON.parse(await c.req.text());
  } catch {
    throw httpError(400, "invalid_json");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = zodIssues(parsed.error.issues);
    log("info", rejected, { reason: "invalid_batch", detail: issues[0]?.path });
    throw httpError(400, "invalid_batch", issues);
  }
  const { site } = parsed.data;
  const cfg = await loadSiteConfig(c.env.NUDGE_CONFIG, site);
  if (!cfg.ok) {
    if (cfg.reason === "invalid_config") throw httpError(503, "site_unavailable");
    throw httpError(404, "unknown_site");
  }
  const limit = await c.env.SERVER_LIMITER.limit({ key: limitKey(site) });
  if (!limit.success) {
    log("warn", rejected, { site, reason: "rate_limited" });
    throw httpError(429, "rate_limited", undefined, { "retry-after": "60" });
  }
  return { data: parsed.data, config: cfg.config };
}
