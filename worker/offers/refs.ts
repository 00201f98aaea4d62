// Which coupon pools an email reads: `coupon.NAME` in its subject and in the HTML and text parts
// it will render from (the bundled template, or a site's KV override laid over it the way
// renderEmail does), and in the partials and layout those include; `coupon[vars.coupon_pool]`
// (the bundled offer templates' convention) reads the pool the step's `vars.coupon_pool` names.
// A plain scan, pure.
import type { SendEffect } from "../engine/effects.ts";
import { parseTemplateOverride, templateSources } from "../mail/render.ts";
import { POOL_NAME } from "./codes.ts";

/** `coupon.NAME` as templates write it (not `vars.coupon.x` or `my_coupon.x`). */
const COUPON_REF = /(?<![\w.])coupon\.([a-z][a-z0-9_]{0,31})(?![a-z0-9_])/g;

/** `coupon[vars.coupon_pool]`: the pool named by the step's vars. */
const COUPON_BY_VAR = /(?<![\w.])coupon\[\s*vars\.coupon_pool\s*\]/;
/** A partial or layout a source pulls in: `{% include "x" %}`, `render`, `layout`. */
const PARTIAL = /\{%-?\s*(?:include|render|layout)\s+["']([\w.-]{1,80})["']/g;

/** The pools the given Liquid sources read, sorted, each once. */
export function couponRefs(
  sources: readonly (string | undefined)[],
  vars: Record<string, unknown> = {},
): string[] {
  const pools = new Set<string>();
  for (const s of sources) {
    for (const m of s?.matchAll(COUPON_REF) ?? []) pools.add(m[1]!);
    const named = vars.coupon_pool;
    if (s && COUPON_BY_VAR.test(s) && typeof named === "string" && POOL_NAME.test(named))
      pools.add(named);
  }
  return [...pools].sort();
}

/** `roots` and every partial they include (transitively, each once), as sources. */
export function withPartials(
  roots: readonly (string | undefined)[],
  sources: Record<string, string>,
): (string | undefined)[] {
  const out = [...roots];
  const seen = new Set<string>();
  for (let i = 0; i < out.length && out.length < 100; i++)
    for (const m of out[i]?.matchAll(PARTIAL) ?? []) {
      const name = m[1]!;
      if (seen.has(name)) continue;
      seen.add(name);
      if (sources[name] !== undefined) out.push(sources[name]);
    }
  return out;
}

/** The pools a send reads: its subject and the HTML and text parts it will render from. */
export function couponPoolsOf(
  effect: Pick<SendEffect, "template" | "subject">,
  override: string | null,
  vars: Record<string, unknown> = {},
): string[] {
  const sources = templateSources(
    effect.template,
    parseTemplateOverride(effect.template, override),
  );
  const roots = [
    effect.subject,
    sources[`${effect.template}.html`],
    sources[`${effect.template}.txt`],
  ];
  return couponRefs(withPartials(roots, sources), vars);
}
