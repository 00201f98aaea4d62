// Coupon codes for one send (called by the Contact's delivery, before rendering): the pools the
// step's subject and template read (`{{ coupon.NAME }}`, in the bundled HTML and text parts or a
// site's KV override `template:<site>:<name>`, and their partials; `coupon[vars.coupon_pool]`
// reads the pool the step's vars name), and one code from each, claimed under the step
// key: one code per (trigger, episode, step), the same code again when the send is retried. A
// pool with no code left means the email cannot say what it promises: the step is skipped.
import type { SendEffect } from "../engine/effects.ts";
import { log } from "../lib/log.ts";
import { humanStep } from "../lib/step.ts";
import { couponPool } from "./coupon-pool.ts";
import { couponPoolsOf } from "./refs.ts";

export type CouponClaim =
  | { ok: true; coupon: Record<string, string> }
  | { ok: false; reason: "coupon_pool_empty"; pool: string };

/** One code per pool the send reads, claimed under its step key. */
export async function claimCoupons(
  env: Env,
  site: string,
  effect: SendEffect,
  /** The site's KV override of the template (`template:<site>:<name>`), if any. */
  override: string | null,
  vars: Record<string, unknown>,
  now: number,
): Promise<CouponClaim> {
  const pools = couponPoolsOf(effect, override, vars);
  const codes = await Promise.all(
    pools.map((pool) => couponPool(env, site, pool).claim(effect.key, now)),
  );
  const coupon: Record<string, string> = {};
  for (const [i, pool] of pools.entries()) {
    const code = codes[i];
    if (code == null) {
      log("warn", "coupon.pool_empty", {
        site,
        pool,
        trigger: effect.trigger,
        step: humanStep(effect.step),
      });
      return { ok: false, reason: "coupon_pool_empty", pool };
    }
    coupon[pool] = code;
  }
  return { ok: true, coupon };
}
