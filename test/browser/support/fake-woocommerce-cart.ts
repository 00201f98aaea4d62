// The fake WooCommerce store's cart (./fake-woocommerce.ts): its catalog, a session's cart, the
// Store API nonce, and a cart as the Store API answers it (GET
// /wc/store/v1/cart and every cart route; a sample answer is in
// ../fixtures/platforms/woocommerce-cart.json), with prices in minor units of EUR.

export interface Product {
  id: number;
  /** The parent product of a variation. */
  parent?: number;
  /** As WordPress stores and the Store API returns it (entities encoded). */
  name: string;
  slug: string;
  /** Minor units. */
  price: number;
  sku: string;
  variation?: { attribute: string; value: string }[];
}

/** The catalog: a simple product, a variable product's two variations and a candle. */
export const PRODUCTS: Product[] = [
  {
    id: 38,
    name: "Salt &#038; Pepper Mill",
    slug: "salt-pepper-mill",
    price: 1800,
    sku: "mill-set",
  },
  {
    id: 22,
    parent: 20,
    name: "Linen Apron",
    slug: "linen-apron",
    price: 3450,
    sku: "apron-sand",
    variation: [{ attribute: "Color", value: "Sand" }],
  },
  {
    id: 23,
    parent: 20,
    name: "Linen Apron",
    slug: "linen-apron",
    price: 3450,
    sku: "apron-clay",
    variation: [{ attribute: "Color", value: "Clay" }],
  },
  { id: 51, name: "Beeswax Candle", slug: "beeswax-candle", price: 1290, sku: "candle" },
];

interface Line {
  key: string;
  product: Product;
  quantity: number;
}
export interface Cart {
  session: string;
  lines: Line[];
}

/** The Store API nonce: pages carry it, the cart routes require it. */
export const NONCE = "1db1d13784";
const money = {
  currency_code: "EUR",
  currency_symbol: "€",
  currency_minor_unit: 2,
  currency_decimal_separator: ",",
  currency_thousand_separator: ".",
  currency_prefix: "",
  currency_suffix: " €",
};

/** A product's page on the store at `base` (a variation's with its attribute). */
export const permalink = (base: string, p: Product) =>
  `${base}/product/${p.slug}/${p.variation ? `?attribute_pa_color=${p.variation[0]!.value.toLowerCase()}` : ""}`;
/** A product's image on the store at `base`. */
export const image = (base: string, p: Product) =>
  `${base}/wp-content/uploads/2026/03/${p.sku}.svg`;

/** A cart line as the Store API answers it (`items[]`), links on the store at `base`. */
const itemJson = (base: string, l: Line) => {
  const p = l.product;
  const price = String(p.price);
  return {
    key: l.key,
    id: p.id,
    type: p.variation ? "variation" : "simple",
    quantity: l.quantity,
    quantity_limits: { minimum: 1, maximum: 9999, multiple_of: 1, editable: true },
    name: p.name,
    short_description: "<p>Made to last.</p>",
    description: "<p>Made to last, by hand.</p>",
    sku: p.sku,
    low_stock_remaining: null,
    backorders_allowed: false,
    show_backorder_badge: false,
    sold_individually: false,
    permalink: permalink(base, p),
    images: [
      {
        id: 60 + p.id,
        src: image(base, p),
        thumbnail: image(base, p).replace(".svg", "-450x450.svg"),
        srcset: `${image(base, p)} 800w`,
        sizes: "(max-width: 800px) 100vw, 800px",
        name: `${p.sku}.svg`,
        alt: "",
      },
    ],
    variation: (p.variation ?? []).map((v) => ({ raw_attribute: "attribute_pa_color", ...v })),
    item_data: [],
    prices: {
      price,
      regular_price: price,
      sale_price: price,
      price_range: null,
      ...money,
      raw_prices: {
        precision: 6,
        price: `${price}0000`,
        regular_price: `${price}0000`,
        sale_price: `${price}0000`,
      },
    },
    totals: {
      line_subtotal: String(p.price * l.quantity),
      line_subtotal_tax: "0",
      line_total: String(p.price * l.quantity),
      line_total_tax: "0",
      ...money,
    },
    catalog_visibility: "visible",
    extensions: {},
  };
};

/** A cart as the Store API answers it (GET /wc/store/v1/cart), links on the store at `base`. */
export const cartJson = (base: string, c: Cart) => {
  const total = String(c.lines.reduce((s, l) => s + l.product.price * l.quantity, 0));
  const address = {
    first_name: "",
    last_name: "",
    company: "",
    address_1: "",
    address_2: "",
    city: "",
    state: "",
    postcode: "",
    country: "",
    phone: "",
  };
  return {
    items: c.lines.map((l) => itemJson(base, l)),
    coupons: [],
    fees: [],
    totals: {
      total_items: total,
      total_items_tax: "0",
      total_fees: "0",
      total_fees_tax: "0",
      total_discount: "0",
      total_discount_tax: "0",
      total_shipping: null,
      total_shipping_tax: null,
      total_price: total,
      total_tax: "0",
      tax_lines: [],
      ...money,
    },
    shipping_address: address,
    billing_address: { ...address, email: "" },
    needs_payment: c.lines.length > 0,
    needs_shipping: c.lines.length > 0,
    payment_requirements: ["products"],
    has_calculated_shipping: false,
    shipping_rates: [],
    items_count: c.lines.reduce((s, l) => s + l.quantity, 0),
    items_weight: 0,
    cross_sells: [],
    errors: [],
    payment_methods: ["bacs", "cod"],
    extensions: {},
  };
};
