// The WooCommerce Store API cart as the adapter (woocommerce.ts) and the cart restore
// (woocommerce-restore.ts) read it: its shape and its URL. Each is bundled on its own.

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

/** The Store API cart under the REST root WordPress announces (pretty permalinks: /wp-json/,
 * else /?rest_route=/). */
export const cartUrl = () =>
  (document.querySelector<HTMLLinkElement>('[rel$="api.w.org/"]')?.href || "/wp-json/") +
  "wc/store/v1/cart";
