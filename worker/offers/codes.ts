// Unique coupon codes, the pure part: pool names and codes, the batch POST /v1/coupons takes
// (and `nudge coupons push` checks before sending), and the object and KV names of a site's
// pools. No I/O here: the CouponPool object (coupon-pool.ts) keeps the codes, claim.ts hands them
// out at send time (refs.ts finds which pools an email reads).
import { z } from "zod";
import { SITE_ID, VAR_NAME } from "../lib/ids.ts";

/** A pool name: what templates write after `coupon.` (a Liquid identifier). */
export const POOL_NAME = VAR_NAME;
/** A code: 1–64 printable ASCII characters, no spaces. */
export const COUPON_CODE = /^[\x21-\x7e]{1,64}$/;
/** Codes in one POST /v1/coupons (the CLI pushes bigger files in batches of this many). */
export const MAX_CODES_PER_BATCH = 1000;
/** Largest body POST /v1/coupons reads (1,000 codes of 64 characters fit with room to spare). */
export const MAX_COUPON_BODY_BYTES = 512 * 1024;

export const CouponBatchSchema = z.strictObject({
  site: z.string().regex(SITE_ID, {
    error: (iss) => `${JSON.stringify(iss.input)} is not a site id`,
  }),
  pool: z.string().regex(POOL_NAME, {
    error: (iss) =>
      `${JSON.stringify(iss.input)} is not a pool name like spring (lowercase letters, digits and _, at most 32)`,
  }),
  codes: z
    .array(
      z.string().regex(COUPON_CODE, {
        error: (iss) =>
          `${JSON.stringify(iss.input)} is not a code (1 to 64 printable characters, no spaces)`,
      }),
    )
    .min(1, { error: "needs at least one code" })
    .max(MAX_CODES_PER_BATCH, { error: `has more than ${MAX_CODES_PER_BATCH} codes` }),
});
export type CouponBatch = z.output<typeof CouponBatchSchema>;

/** What adding codes did: new codes, codes the pool already had (or the batch repeated), and
 * the pool's counts after. */
export interface AddResult extends PoolCounts {
  added: number;
  duplicates: number;
}

export interface PoolCounts {
  /** Codes nobody has been given yet. */
  available: number;
  total: number;
}

/** The CouponPool object of one pool. */
export const poolObjectName = (site: string, pool: string) => `coupons:${site}:${pool}`;

/** The KV key listing a site's pool names (a JSON array), for the dashboard. */
export const poolIndexKey = (site: string) => `coupons:${site}`;

/** A stored pool index → its valid names (anything unreadable counts as none). */
export function parsePoolIndex(raw: string | null): string[] {
  if (!raw) return [];
  try {
    const v: unknown = JSON.parse(raw);
    return Array.isArray(v)
      ? v.filter((p): p is string => typeof p === "string" && POOL_NAME.test(p))
      : [];
  } catch {
    return [];
  }
}

/** The index with `pool` in it (sorted), or null when it is already there (nothing to write). */
export function withPool(index: readonly string[], pool: string): string[] | null {
  return index.includes(pool) ? null : [...index, pool].sort();
}
