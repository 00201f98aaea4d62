// The cart link of an email that carries a cart: the shop's cart page (links.cart) with
// `nudge_cart=<signed token>` naming the items, so the store can rebuild the cart on any device
// (GET /v1/carts/<token>). Left as it is when the cart is empty or too big for a link.
import type { TemplateContext } from "./context.ts";
import { signToken } from "./tokens.ts";

/** Longest item list carried (a cart of more lines restores from the store's own records). */
const MAX_ITEMS = 50;
/** Longest token put in a link (mail clients and servers handle a few KB of URL). */
const MAX_TOKEN = 3000;

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
      items: items.map((i) => [
        String(i.id).slice(0, 128),
        Math.max(1, Math.floor(i.quantity ?? 1)),
      ]),
    },
    { now },
  );
  if (token.length > MAX_TOKEN) return null;
  const url = new URL(base);
  url.searchParams.set("nudge_cart", token);
  return url.toString();
}
