// Which coupon pools an email reads: `coupon.NAME` in its subject and in the HTML and text parts
// it will render from (the bundled template, or a site's KV override laid over it the way
// renderEmail does). A plain scan, pure: layouts and partials are not searched.
import type { SendEffect } from "../engine/effects.ts";
import { parseTemplateOverride, templateSources } from "../mail/render.ts";

/** `coupon.NAME` as templates write it (not `vars.coupon.x` or `my_coupon.x`). */
const COUPON_REF = /(?<![\w.])coupon\.([a-z][a-z0-9_]{0,31})(?![a-z0-9_])/g;

/** The pools the given Liquid sources read, sorted, each once. */
export function couponRefs(sources: readonly (string | undefined)[]): string[] {
  const pools = new Set<string>();
  for (const s of sources) for (const m of s?.matchAll(COUPON_REF) ?? []) pools.add(m[1]!);
  return [...pools].sort();
}

/** The pools a send reads: its subject and the HTML and text parts it will render from. */
export function couponPoolsOf(
  effect: Pick<SendEffect, "template" | "subject">,
  override: string | null,
): string[] {
  const sources = templateSources(
    effect.template,
    parseTemplateOverride(effect.template, override),
  );
  return couponRefs([
    effect.subject,
    sources[`${effect.template}.html`],
    sources[`${effect.template}.txt`],
  ]);
}
