// WooCommerce adapter (GET /nudge.js?platform=woocommerce): reads the Store API cart
// (…/wc/store/v1/cart) and reports it after every answered cart change through the Store API
// (cart/add-item, update-item, remove-item, batch; under /wp-json/ or ?rest_route=) or the
// classic ?wc-ajax=add_to_cart / remove_from_cart, after jQuery's added_to_cart /
// removed_from_cart / updated_cart_totals body events where jQuery is present, and on every page
// load (a plain ?add-to-cart= link or form, another tab). See snippet/README.md.
import { read, report, watch, type Item } from "./common.ts";

/** An item of the Store API cart (the fields used): prices are strings in minor units. */
export interface WooItem {
  id: number;
  name: string;
  quantity: number;
  permalink?: string;
  images?: { src?: string }[];
  prices: { price: string; currency_minor_unit: number };
}
export interface WooCart {
  items: WooItem[];
  totals?: { currency_code?: string };
}

declare global {
  interface Window {
    jQuery?: (el: Element) => { on?(events: string, f: () => void): unknown };
  }
}

/** Store API cart items as Nudge cart items: major-unit prices, HTML entities decoded. */
export const itemsOf = (c: WooCart): Item[] =>
  c.items.map((i) => {
    const t = document.createElement("textarea");
    t.innerHTML = i.name;
    return {
      id: i.id + "",
      name: t.value,
      price: +i.prices.price / 10 ** i.prices.currency_minor_unit,
      quantity: i.quantity,
      url: i.permalink,
      image: i.images?.[0]?.src,
    };
  });

try {
  const sync = () =>
    read<WooCart>(
      // The REST root WordPress announces (pretty permalinks: /wp-json/, else /?rest_route=/).
      (document.querySelector<HTMLLinkElement>('[rel$="api.w.org/"]')?.href || "/wp-json/") +
        "wc/store/v1/cart",
      (c) => report(itemsOf(c), c.totals?.currency_code),
    );
  // Store API cart/add-item, update-item, remove-item and batch; wc-ajax=add_to_cart and
  // remove_from_cart (and side-cart plugins' own …_cart actions).
  watch(/store\/(v1\/)?(cart\/\w+-item|batch)|wc-ajax=\w+_cart\b/, sync);
  // Once parsed (the tag is async): the REST link is in the head, jQuery may load later.
  const start = () => {
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
