// WooCommerce adapter (GET /nudge.js?platform=woocommerce): reads the Store API cart
// (…/wc/store/v1/cart) and reports it after every answered cart change through the Store API
// (cart/add-item, update-item, remove-item, batch; under /wp-json/ or ?rest_route=) or the
// classic ?wc-ajax=add_to_cart / remove_from_cart, after jQuery's added_to_cart /
// removed_from_cart / updated_cart_totals body events where jQuery is present, and on every page
// load (a plain ?add-to-cart= link or form, another tab). A cart link from a Nudge email
// (`nudge_cart`) loads woocommerce-restore.ts, which puts the items it names into this device's
// cart when it is empty. See snippet/README.md.
import { read, report, watch, type Item } from "./common.ts";
import { cartUrl, type WooCart } from "./woocommerce-cart.ts";

declare global {
  interface Window {
    jQuery?: (el: Element) => { on?(events: string, f: () => void): unknown };
  }
}

/**
 * Store API cart items as Nudge cart items: major-unit prices. The name goes as the Store API
 * gives it, HTML-escaped ("Salt &#038; Pepper Mill"): the worker decodes it.
 */
export const itemsOf = (c: WooCart): Item[] =>
  c.items.map((i) => ({
    id: i.id,
    name: i.name,
    price: +i.prices.price / 10 ** i.prices.currency_minor_unit,
    quantity: i.quantity,
    url: i.permalink,
    image: i.images?.[0]?.src,
  }));

try {
  const sync = () => read<WooCart>(cartUrl(), (c) => report(itemsOf(c), c.totals?.currency_code));
  const src = (document.currentScript as HTMLScriptElement | null)?.src;
  const u = new URL(location.href);
  const token = u.searchParams.get("nudge_cart");
  // Store API cart/add-item, update-item, remove-item and batch; wc-ajax=add_to_cart and
  // remove_from_cart (and side-cart plugins' own …_cart actions).
  watch(/store\/(v1\/)?(cart\/\w+-item|batch)|wc-ajax=\w+_cart\b/, sync);
  // Once parsed (the tag is async): the REST link is in the head, jQuery may load later.
  const start = () => {
    if (token && src) {
      u.searchParams.delete("nudge_cart");
      history.replaceState(history.state, "", u);
      // Rebuilding the emailed cart is loaded only here (snippet/platforms/woocommerce-restore.ts).
      document.head.append(
        Object.assign(document.createElement("script"), {
          src: new URL("/nudge-restore.js?platform=woocommerce&t=" + token, src).href,
        }),
      );
    }
    sync();
    window
      .jQuery?.(document.body)
      .on?.("added_to_cart removed_from_cart updated_cart_totals", sync);
  };
  if (document.readyState == "loading") addEventListener("DOMContentLoaded", start);
  else start();
} catch {
  /* ours, never the page's */
}
