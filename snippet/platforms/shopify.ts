// Shopify adapter (GET /nudge.js?platform=shopify): reads /cart.js and reports the cart after
// every answered cart change of the Ajax Cart API (/cart/add, /change, /update, /clear, with or
// without .js, locale-prefixed) and on every page load (a plain form post to /cart/add, a change
// in another tab), and links the visitor to checkout through the cart attribute `_nudge_vid`.
// Product views come from the theme's JSON-LD, read by the core. See snippet/README.md
// "Platform adapters".
import { get, read, report, watch, type Item } from "./common.ts";

/** A line of GET /cart.js (the fields used): prices are integers in minor units. */
export interface ShopifyLine {
  id: number;
  title?: string;
  product_title?: string;
  final_price: number;
  quantity: number;
  url?: string;
  image?: string | null;
}
export interface ShopifyCart {
  items: ShopifyLine[];
  currency?: string;
  attributes?: Record<string, unknown>;
}

declare global {
  interface Window {
    Shopify?: { routes?: { root?: string } };
  }
  interface Storage {
    nudge_pc?: string;
    nudge_vid?: string;
  }
}

/**
 * The lines of a /cart.js answer as Nudge cart items: variant id, major-unit final price. The
 * `url` and `image` go as Shopify gives them (`/products/…`, `//cdn.shopify.com/…`, or a null
 * image): the worker makes them absolute against the event's page URL.
 */
export const itemsOf = (c: ShopifyCart): Item[] =>
  c.items.map((i) => ({
    id: i.id,
    name: (i.title || i.product_title)!,
    price: i.final_price / 100 || 0,
    quantity: i.quantity,
    url: i.url,
    image: i.image,
  }));

try {
  const root = window.Shopify?.routes?.root || "/";
  const sync = () =>
    read<ShopifyCart>(root + "cart.js", (c) => {
      report(itemsOf(c), c.currency);
      // Checkout link: the visitor id as a cart attribute (Shopify passes it on to the order's
      // note_attributes), set once per cart, by the unwatched fetch (no read follows), as a
      // form post (`attributes[_nudge_vid]`; needs no content-type header, unlike JSON).
      // Returned: `read` catches its failure.
      const vid = localStorage.nudge_vid;
      return (
        vid &&
        c.items[0] &&
        c.attributes?._nudge_vid != vid &&
        get(root + "cart/update.js", {
          method: "POST",
          body: new URLSearchParams({ "attributes[_nudge_vid]": vid }),
        })
      );
    });
  watch(/\/cart\/(add|change|update|clear)\b/, sync);
  sync();
} catch {
  /* ours, never the page's */
}
