// The one way products enter the catalog (POST /v1/catalog, the `product_updated` server event,
// platform product webhooks) and verified orders reach its best-seller counts. Thin: the site's
// triggers say what changes are worth a fan-out (changes.ts), the Catalog object does the rest.
import { loadSiteConfig } from "../config/load.ts";
import { log } from "../lib/log.ts";
import { catalogStub, type Sale, type UpsertResult } from "./catalog.ts";
import { catalogNeeds } from "./changes.ts";
import type { TemplateContext } from "../mail/context.ts";
import { productIdsOf } from "./overlay.ts";
import type { CatalogProduct } from "./schema.ts";

export async function updateCatalog(
  env: Env,
  site: string,
  products: CatalogProduct[],
  now: number,
): Promise<UpsertResult> {
  const cfg = await loadSiteConfig(env.NUDGE_CONFIG, site);
  if (!cfg.ok) throw new Error(`site config unavailable: ${cfg.reason}`);
  // The last statement of a product in one request wins.
  const last = [...new Map(products.map((p) => [p.id, p])).values()];
  const r = await catalogStub(env, site).upsert(site, last, catalogNeeds(cfg.config), now);
  log("info", "catalog.updated", {
    site,
    detail: `${r.received} received, ${r.changed} changed, ${r.price_drops} price drops, ${r.back_in_stock} back in stock`,
  });
  return r;
}

/** Suggestions an email carries at most. */
export const RECOMMENDATIONS = 3;

/** The catalog's facts for the products a send names, and suggestions beside them. */
export async function catalogFacts(
  env: Env,
  site: string,
  ctx: TemplateContext,
): Promise<[Record<string, CatalogProduct>, CatalogProduct[]]> {
  const ids = productIdsOf(ctx);
  const inCart = (ctx.cart?.items ?? []).map((i) => i.id);
  const r = await catalogStub(env, site).forEmail(ids, inCart, RECOMMENDATIONS);
  return [r.products, r.recommendations];
}

/** Verified orders' lines, counted once per order for best sellers. */
export async function recordSales(env: Env, site: string, sales: Sale[], now: number) {
  const lines = sales.filter((s) => s.items.length > 0);
  if (lines.length) await catalogStub(env, site).recordSales(lines, now);
}
