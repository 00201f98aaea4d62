// What a new statement of a product changes, and what the site's triggers need from the catalog.
// Pure: the Catalog object (catalog.ts) stores products and turns changes into fan-out jobs.
import { PRICE_DROP_WITHIN_MS, type SiteConfig } from "../config/schema.ts";
import type { CatalogFacts } from "../ingest/events.ts";
import type { CatalogProduct } from "./schema.ts";

export interface ProductChange {
  /** Anything a template could show differs (name, price, availability, url, image, …). */
  changed: boolean;
  /** The price fell while the product is available (same currency). */
  priceDrop: { from: number; to: number; percent: number } | null;
  /** It was unavailable and is available again. */
  backInStock: boolean;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Compares the stored statement (null: never seen) with the new one. */
export function productChange(before: CatalogProduct | null, after: CatalogProduct): ProductChange {
  if (!before) return { changed: true, priceDrop: null, backInStock: false };
  const sameCurrency = (before.currency ?? null) === (after.currency ?? null);
  const fell = sameCurrency && after.available && after.price < before.price && before.price > 0;
  return {
    changed: !same(before, after),
    priceDrop: fell
      ? {
          from: before.price,
          to: after.price,
          percent: Math.floor(((before.price - after.price) / before.price) * 100),
        }
      : null,
    backInStock: !before.available && after.available,
  };
}

/** The facts events and templates carry (no inventory count, no related ids). */
export function factsOf(p: CatalogProduct): CatalogFacts {
  const { inventory: _inventory, related: _related, ...facts } = p;
  return facts;
}

export interface CatalogNeeds {
  /** Some trigger starts on a price drop: viewers are remembered and drops fanned out. */
  priceDrop: boolean;
  /** The longest `within` of those triggers: older viewers are not told. */
  within: number;
  /** Some trigger starts on back_in_stock: restocks are fanned out to who asked. */
  backInStock: boolean;
}

export function catalogNeeds(config: SiteConfig): CatalogNeeds {
  const drops = config.triggers.filter((t) => t.on === "price_drop");
  return {
    priceDrop: drops.length > 0,
    within: Math.max(0, ...drops.map((t) => t.within ?? PRICE_DROP_WITHIN_MS)),
    backInStock: config.triggers.some((t) => t.on === "back_in_stock"),
  };
}
