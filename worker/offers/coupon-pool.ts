// The CouponPool Durable Object: one per (site, pool), named `coupons:<site>:<pool>`, holding
// the pool's unique codes in SQLite. A code is given to one step key for good: `claim` answers
// the code a key already holds, else assigns the oldest free one in the same synchronous step, so
// two sends never get one code and a retried send gets its code again.
import { DurableObject } from "cloudflare:workers";
import {
  parsePoolIndex,
  poolIndexKey,
  poolObjectName,
  type AddResult,
  type PoolCounts,
} from "./codes.ts";

export class CouponPool extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // The rowid keeps the order codes were added in: the oldest free code goes first. The
    // unique index on claim_key finds a key's code, and (NULL entries in rowid order) the next
    // free one.
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS codes (code TEXT PRIMARY KEY, claim_key TEXT UNIQUE,
       claimed_at INTEGER)`,
    );
  }

  /** Adds codes the pool does not have yet (the route validated them). */
  add(codes: string[]): AddResult {
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync(() => {
      const before = this.total();
      for (const code of codes) sql.exec("INSERT OR IGNORE INTO codes (code) VALUES (?)", code);
      const counts = this.counts();
      const added = counts.total - before;
      return { added, duplicates: codes.length - added, ...counts };
    });
  }

  /** The code `key` holds, else the oldest free code, now held by `key`; null when none is free. */
  claim(key: string, now: number): string | null {
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync(() => {
      const held = sql
        .exec<{ code: string }>("SELECT code FROM codes WHERE claim_key = ?", key)
        .toArray()[0];
      if (held) return held.code;
      const free = sql
        .exec<{
          code: string;
        }>("SELECT code FROM codes WHERE claim_key IS NULL ORDER BY rowid LIMIT 1")
        .toArray()[0];
      if (!free) return null;
      sql.exec(
        "UPDATE codes SET claim_key = ?, claimed_at = ? WHERE code = ?",
        key,
        now,
        free.code,
      );
      return free.code;
    });
  }

  counts(): PoolCounts {
    const row = this.ctx.storage.sql
      .exec<{ total: number; claimed: number }>(
        "SELECT count(*) AS total, count(claim_key) AS claimed FROM codes",
      )
      .one();
    return { available: row.total - row.claimed, total: row.total };
  }

  private total(): number {
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM codes").one().n;
  }
}

/** The object holding one pool's codes. */
export function couponPool(env: Env, site: string, pool: string) {
  return env.COUPONS.get(env.COUPONS.idFromName(poolObjectName(site, pool)));
}

/** Every pool of a site (the KV index POST /v1/coupons keeps) with its counts, by name. */
export async function sitePools(
  env: Env,
  site: string,
): Promise<({ pool: string } & PoolCounts)[]> {
  const pools = parsePoolIndex(await env.NUDGE_CONFIG.get(poolIndexKey(site)));
  return Promise.all(
    pools.map(async (pool) => ({ pool, ...(await couponPool(env, site, pool).counts()) })),
  );
}
