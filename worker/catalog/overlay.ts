// Emails tell the catalog's truth: when the store's catalog knows a product, a template gets the
// catalog's name, current price, image, url and availability for it; the browser only said which
// product. An item the catalog marks unavailable stays in the list marked `available: false`
// (templates say "Sold out" instead of a price) and no longer counts in the cart's value. An
// order is what was paid: its lines keep their prices. Pure; the Contact's delivery calls it.
import type { ItemContext, TemplateContext } from "../mail/context.ts";
import type { CatalogProduct } from "./schema.ts";

/** The ids a send's context names: the cart's items and the product. */
export function productIdsOf(ctx: TemplateContext): string[] {
  const ids = (ctx.cart?.items ?? []).map((i) => i.id);
  const product = ctx.product?.id;
  if (typeof product === "string") ids.push(product);
  return [...new Set(ids)];
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** The catalog's facts over `item`, when the catalog knows it (price only in the same currency). */
function overlayItem<T extends Omit<ItemContext, "quantity">>(
  item: T,
  facts: CatalogProduct | undefined,
  currency: string | null | undefined,
): T {
  if (!facts) return item;
  const priced = !facts.currency || !currency || facts.currency === currency;
  return {
    ...item,
    name: facts.name,
    ...(priced ? { price: facts.price } : {}),
    url: facts.url ?? item.url ?? null,
    image: facts.image ?? item.image ?? null,
    available: facts.available,
    ...(facts.category ? { category: facts.category } : {}),
  };
}

export function withCatalog(
  ctx: TemplateContext,
  products: Record<string, CatalogProduct>,
  recommendations: CatalogProduct[],
): TemplateContext {
  const next: TemplateContext = { ...ctx };
  if (ctx.cart) {
    const items = ctx.cart.items.map((i) => overlayItem(i, products[i.id], ctx.cart?.currency));
    const buyable = items.filter((i) => i.available !== false);
    next.cart = {
      ...ctx.cart,
      items,
      value: round2(buyable.reduce((s, i) => s + i.price * (i.quantity ?? 1), 0)),
      count: buyable.reduce((s, i) => s + (i.quantity ?? 1), 0),
    };
  }
  const id = ctx.product?.id;
  if (ctx.product && typeof id === "string") {
    const facts = products[id];
    next.product = overlayItem(ctx.product, facts, ctx.product.currency);
    if (facts?.currency) next.product = { ...next.product, currency: facts.currency };
  }
  next.recommendations = recommendations.map((p) => ({
    id: p.id,
    name: p.name,
    price: p.price,
    currency: p.currency ?? ctx.site.currency ?? null,
    url: p.url ?? null,
    image: p.image ?? null,
    available: p.available,
  }));
  return next;
}
