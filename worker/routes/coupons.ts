// POST /v1/coupons: the store's unique coupon codes for a pool (`nudge coupons push`), with the
// same Bearer key as POST /v1/events. `{ site, pool, codes }`, 1–1,000 codes a request; codes the
// pool already has are counted, not added twice. Answers the pool's counts after the batch. A
// site's pool names are listed in KV (`coupons:<site>`) for the dashboard.
import { Hono } from "hono";
import { log } from "../lib/log.ts";
import {
  CouponBatchSchema,
  MAX_COUPON_BODY_BYTES,
  parsePoolIndex,
  poolIndexKey,
  withPool,
} from "../offers/codes.ts";
import { couponPool } from "../offers/coupon-pool.ts";
import { limitBody, requireServerKey, serverRequest } from "./server-key.ts";

export const coupons = new Hono<{ Bindings: Env }>();

coupons.post(
  "/v1/coupons",
  requireServerKey("coupons.rejected"),
  limitBody(MAX_COUPON_BODY_BYTES),
  async (c) => {
    const { data } = await serverRequest(
      c,
      CouponBatchSchema,
      "coupons.rejected",
      (site) => `coupons:${site}`,
    );
    const { site, pool, codes } = data;
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
