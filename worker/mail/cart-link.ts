// The cart link of an email that carries a cart: the shop's cart page (links.cart) with
// `nudge_cart=<signed token>` naming the items, so the store can rebuild the cart on any device
// (GET /v1/carts/<token>), or on Shopify the cart permalink that rebuilds it by itself. Left as
// it is when the cart is empty or too big for a link.
import type { TemplateContext } from "./context.ts";
import { signToken } from "./tokens.ts";

/** Longest item list carried (a cart of more lines restores from the store's own records). */
const MAX_ITEMS = 50;
/** Longest token put in a link (mail clients and servers handle a few KB of URL). */
const MAX_TOKEN = 3000;

/** The cart's lines as [item id, quantity] (at least 1). */
const linesOf = (context: TemplateContext) =>
  (context.cart?.items ?? []).map(
    (i) => [String(i.id), Math.max(1, Math.floor(i.quantity ?? 1))] as const,
  );
/** A platform's numeric product or variant id. */
const PLATFORM_ID = /^\d{1,20}$/;
/** `path` on the shop's site, or null when its URL is unusable. */
const onShop = (context: TemplateContext, path: string): URL | null =>
  context.site.url && URL.canParse(context.site.url) ? new URL(path, context.site.url) : null;

export async function cartRestoreLink(
  secret: string,
  site: string,
  context: TemplateContext,
  now: number,
): Promise<string | null> {
  const items = context.cart?.items ?? [];
  if (items.length === 0 || items.length > MAX_ITEMS) return null;
  const base = context.links?.cart ?? context.site.url;
  if (!base || !URL.canParse(base)) return null;
  const token = await signToken(
    secret,
    {
      kind: "cart",
      site,
      currency: context.cart?.currency ?? null,
      items: linesOf(context).map(([id, q]) => [id.slice(0, 128), q]),
    },
    { now },
  );
  if (token.length > MAX_TOKEN) return null;
  const url = new URL(base);
  url.searchParams.set("nudge_cart", token);
  return url.toString();
}

/**
 * Shopify's cart permalink, `<shop>/cart/<variant id>:<quantity>,…`: it fills a new cart with
 * those variants on any device. Null when an item id is not a variant id (digits), or no items.
 */
export function shopifyCartPermalink(context: TemplateContext): string | null {
  const lines = linesOf(context);
  if (lines.length === 0 || lines.length > MAX_ITEMS) return null;
  if (!lines.every(([id]) => PLATFORM_ID.test(id))) return null;
  return (
    onShop(context, `/cart/${lines.map(([id, q]) => `${id}:${q}`).join(",")}`)?.toString() ?? null
  );
}

/**
 * WooCommerce's add-to-cart URL, `<shop>/cart/?add-to-cart=<id>&quantity=<n>`: it puts the item
 * in the cart on any device. WooCommerce takes one product per URL, so only a one-line cart gets
 * one (null otherwise: the restore link then names the items).
 */
export function wooCommerceCartLink(context: TemplateContext): string | null {
  const lines = linesOf(context);
  const [only] = lines;
  if (lines.length !== 1 || !only || !PLATFORM_ID.test(only[0])) return null;
  const url = onShop(context, "/cart/");
  url?.searchParams.set("add-to-cart", only[0]);
  url?.searchParams.set("quantity", String(only[1]));
  return url?.toString() ?? null;
}

/** The platform's own cart link for this cart, when the site names a platform that has one. */
export function platformCartLink(
  platform: string | undefined,
  context: TemplateContext,
): string | null {
  if (platform === "shopify") return shopifyCartPermalink(context);
  if (platform === "woocommerce") return wooCommerceCartLink(context);
  return null;
}
