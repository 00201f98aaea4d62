// POST /v1/coupons: the store's unique coupon codes for a pool (`nudge coupons push`), with the
// same Bearer key as POST /v1/events. `{ site, pool, codes }`, 1–1,000 codes a request; codes the
// pool already has are counted, not added twice. Answers the pool's counts after the batch. A
// site's pool names are listed in KV (`coupons:<site>`) for the dashboard.
import { Hono } from "hono";
import { loadSiteConfig } from "../config/load.ts";
import { httpError, zodIssues } from "../lib/errors.ts";
import { log } from "../lib/log.ts";
import {
  CouponBatchSchema,
  MAX_COUPON_BODY_BYTES,
  parsePoolIndex,
  poolIndexKey,
  withPool,
} from "../offers/codes.ts";
import { couponPool } from "../offers/coupon-pool.ts";
import { limitBody, requireServerKey } from "./server-key.ts";

export const coupons = new Hono<{ Bindings: Env }>();

coupons.post(
  "/v1/coupons",
  requireServerKey("coupons.rejected"),
  limitBody(MAX_COUPON_BODY_BYTES),
  async (c) => {
    let json: unknown;
    try {
      json = JSON.parse(await c.req.text());
    } catch {
      throw httpError(400, "invalid_json");
    }
    const parsed = CouponBatchSchema.safeParse(json);
    if (!parsed.success) {
      const issues = zodIssues(parsed.error.issues);
      log("info", "coupons.rejected", { reason: "invalid_batch", detail: issues[0]?.path });
      throw httpError(400, "invalid_batch", issues);
    }
    const { site, pool, codes } = parsed.data;
    const cfg = await loadSiteConfig(c.env.NUDGE_CONFIG, site);
    if (!cfg.ok) {
      if (cfg.reason === "invalid_config") throw httpError(503, "site_unavailable");
      throw httpError(404, "unknown_site");
    }
    const limit = await c.env.SERVER_LIMITER.limit({ key: `coupons:${site}` });
    if (!limit.success) {
      log("warn", "coupons.rejected", { site, reason: "rate_limited" });
      throw httpError(429, "rate_limited", undefined, { "retry-after": "60" });
    }
    const result = await couponPool(c.env, site, pool).add(codes);
    // The index only grows, and is written only when a pool is new: one KV write per pool.
    const kv = c.env.NUDGE_CONFIG;
    const index = withPool(parsePoolIndex(await kv.get(poolIndexKey(site))), pool);
    if (index) await kv.put(poolIndexKey(site), JSON.stringify(index));
    log("info", "coupons.added", {
      site,
      pool,
      added: result.added,
      duplicates: result.duplicates,
      available: result.available,
    });
    return c.json({ pool, ...result });
  },
);
