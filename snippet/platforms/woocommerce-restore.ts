// WooCommerce cart restore (GET /nudge-restore.js?platform=woocommerce&t=<token>): loaded by the
// WooCommerce adapter only on a page opened from a Nudge email's cart link (`nudge_cart`), so
// the adapter every page loads stays small. Reads the signed cart (GET /v1/carts/<token>) and,
// when this device's cart is empty, adds its items with ?wc-ajax=add_to_cart (no nonce needed;
// variation ids work). It uses the page's fetch as the adapter wrapped it, so each add is
// reported like any other cart change. A cart with items is kept.
import { cartUrl, type WooCart } from "./woocommerce-cart.ts";

try {
  const src = (document.currentScript as HTMLScriptElement).src;
  const token = new URL(src).searchParams.get("t");
  const json = async <T>(url: string | URL) => (await (await fetch(url)).json()) as T;
  (async () => {
    const { items } = await json<{ items: { id: string; quantity: number }[] }>(
      new URL("/v1/carts/" + token, src),
    );
    if (!(await json<WooCart>(cartUrl())).items.length)
      for (const i of items)
        await fetch("/?wc-ajax=add_to_cart", {
          method: "POST",
          body: new URLSearchParams({ product_id: i.id, quantity: i.quantity + "" }),
        });
  })().catch(() => {});
} catch {
  /* ours, never the page's */
}
