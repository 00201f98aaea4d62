// The fake Shopify storefront's cart (./fake-shopify.ts): its catalog of variants, the carts it
// keeps per cookie token, and a cart as the Ajax Cart API answers it (GET /cart.js, and the
// lines /cart/add.js answers; a sample answer is in ../fixtures/platforms/shopify-cart.json),
// with prices in cents of EUR and an automatic discount on the mug.

export interface Variant {
  id: number;
  product: string;
  handle: string;
  title: string;
  /** Minor units (cents). */
  price: number;
  /** An automatic discount in percent (final_price below price). */
  discount?: number;
  sku: string;
}

/** The catalog: a product with two variants and a discounted mug. */
export const VARIANTS: Variant[] = [
  {
    id: 44718112309515,
    product: "Waxed Canvas Tote",
    handle: "waxed-canvas-tote",
    title: "Olive",
    price: 4500,
    sku: "TOTE-OLV",
  },
  {
    id: 44718112342283,
    product: "Waxed Canvas Tote",
    handle: "waxed-canvas-tote",
    title: "Sand",
    price: 4950,
    sku: "TOTE-SND",
  },
  {
    id: 44718112407819,
    product: "Enamel Mug",
    handle: "enamel-mug",
    title: "Speckled White",
    price: 1800,
    discount: 10,
    sku: "MUG-SPK",
  },
];

export interface Line {
  variant: Variant;
  quantity: number;
  properties: Record<string, string>;
}
export interface Cart {
  token: string;
  lines: Line[];
  attributes: Record<string, string>;
  note: string | null;
}

/** The shop's currency. */
export const CURRENCY = "EUR";

/** A line's key: its variant id and a hash of its properties. */
export const keyOf = (l: Line) =>
  `${l.variant.id}:${Buffer.from(JSON.stringify(l.properties)).toString("hex").slice(0, 32).padEnd(32, "0")}`;
/** A variant's price after its automatic discount. */
export const finalPrice = (v: Variant) => Math.round(v.price * (1 - (v.discount ?? 0) / 100));

/** A cart line as the Ajax Cart API answers it (`items[]`), links on the store at `base`. */
export const lineJson = (base: string, l: Line) => {
  const v = l.variant;
  const fp = finalPrice(v);
  const off = v.price - fp;
  const image = `${base}/cdn/shop/files/${v.sku.toLowerCase()}.svg?v=1712345678`;
  return {
    id: v.id,
    properties: l.properties,
    quantity: l.quantity,
    variant_id: v.id,
    key: keyOf(l),
    title: `${v.product} - ${v.title}`,
    price: v.price,
    original_price: v.price,
    discounted_price: fp,
    line_price: fp * l.quantity,
    original_line_price: v.price * l.quantity,
    total_discount: off * l.quantity,
    discounts: off ? [{ amount: off * l.quantity, title: "AUTO10" }] : [],
    sku: v.sku,
    grams: 400,
    vendor: "Slow Mornings",
    taxable: true,
    product_id: 8123456700000 + VARIANTS.findIndex((x) => x.handle === v.handle),
    product_has_only_default_variant: false,
    gift_card: false,
    final_price: fp,
    final_line_price: fp * l.quantity,
    url: `/products/${v.handle}?variant=${v.id}`,
    featured_image: { aspect_ratio: 1, alt: v.product, height: 480, url: image, width: 480 },
    image,
    handle: v.handle,
    requires_shipping: true,
    product_type: "",
    product_title: v.product,
    product_description: `${v.product}, made to last.`,
    variant_title: v.title,
    variant_options: [v.title],
    options_with_values: [{ name: "Color", value: v.title }],
    line_level_discount_allocations: [],
    line_level_total_discount: off * l.quantity,
    has_components: false,
  };
};

/** A cart as GET /cart.js answers it, links on the store at `base`. */
export const cartJson = (base: string, c: Cart) => {
  const items = c.lines.map((l) => lineJson(base, l));
  const total = items.reduce((s, i) => s + i.final_line_price, 0);
  const original = items.reduce((s, i) => s + i.original_line_price, 0);
  return {
    token: `${c.token}?key=0d9909213054e22d092152de385763f0`,
    note: c.note,
    attributes: c.attributes,
    original_total_price: original,
    total_price: total,
    total_discount: original - total,
    total_weight: items.reduce((s, i) => s + i.grams * i.quantity, 0),
    item_count: items.reduce((s, i) => s + i.quantity, 0),
    items,
    requires_shipping: items.length > 0,
    currency: CURRENCY,
    items_subtotal_price: total,
    cart_level_discount_applications: [],
  };
};
