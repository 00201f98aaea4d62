// Pure extraction of a schema.org Product from one JSON-LD script text: plain objects, arrays,
// @graph, Offer/AggregateOffer. Runs in the worker (wire.ts), not in the browser: the snippet
// sends the text as `product` { ld } so it stays small and extraction fixes need no new tag.
/** The `product` event's data as the worker's ProductSchema takes it in (wire.ts). */
export interface ProductInput {
  id: string | number;
  name: string;
  price?: number | string;
  currency?: string;
  url?: string;
  image?: string;
}
type Node = { [k: string]: unknown };

/** The first element of an array, else the value itself, as a node (possibly empty). */
const first = (v: unknown): Node => Object([v].flat()[0]);

/** An absolute http(s) URL of at most 2,048 characters, else undefined. */
const url = (u: unknown): string | undefined =>
  typeof u == "string" && /^https?:\/\//i.test(u) && u.length <= 2048 ? u : undefined;

/** Trimmed text of at most `max` characters from a string or number, else "". */
const text = (v: unknown, max: number): string =>
  typeof v == "string" || typeof v == "number" ? String(v).trim().slice(0, max) : "";

/**
 * Every node, depth-first through arrays, `@graph`, `mainEntity` and a ProductGroup's
 * `hasVariant` (Shopify's `structured_data` filter and Google's variant markup), each variant
 * taking the group's image and url when it has none of its own.
 */
export const nodes = (n: unknown): Node[] =>
  ([n].flat(9) as Node[]).flatMap((o) =>
    o && typeof o == "object"
      ? [
          o,
          ...nodes(o["@graph"]),
          ...nodes(o.mainEntity),
          ...nodes(
            [o.hasVariant]
              .flat()
              .map((v) => (v && typeof v == "object" ? { image: o.image, url: o.url, ...v } : v)),
          ),
        ]
      : [],
  );

/**
 * A Shopify variant id named by an offer's or the node's own url or `@id`
 * (`/products/tee?variant=4324…#offer`): the id Shopify's cart reports and its product webhooks
 * key the catalog by, where the markup's `sku` is often empty or a merchant's code.
 */
const variantId = (...v: unknown[]): string =>
  v
    .map((u) => (typeof u == "string" && /[?&]variant=(\d{1,20})\b/.exec(u)?.[1]) || "")
    .find(Boolean) ?? "";

/** A price the worker accepts (0..1e9), from a number or a numeric string ("19.90"). */
export const price = (p: unknown): number | undefined => {
  const n =
    typeof p == "number" ? p : typeof p == "string" && /^\s*\d+(\.\d+)?\s*$/.test(p) ? +p : NaN;
  return n >= 0 && n <= 1e9 ? n : undefined;
};

/** One node typed Product (or a subtype such as IndividualProduct) → product data, if usable. */
export const toProduct = (o: Node): ProductInput | undefined => {
  if (![o["@type"]].flat().some((t) => typeof t == "string" && /Product$/.test(t))) return;
  const offer = first(o.offers);
  const id =
    variantId(offer.url, offer["@id"], o.url, o["@id"]) ||
    text(o.sku, 128) ||
    text(o.productID, 128) ||
    text(o["@id"], 128);
  const name = text(o.name, 500);
  if (!id || !name) return;
  const img = first(o.image);
  const cur = offer.priceCurrency ?? first(offer.priceSpecification).priceCurrency;
  return {
    id,
    name,
    // AggregateOffer: its lowest price; else the Offer's price (or its PriceSpecification's).
    price: price(offer.lowPrice ?? offer.price ?? first(offer.priceSpecification).price),
    currency: typeof cur == "string" && /^[A-Za-z]{3}$/.test(cur) ? cur : undefined,
    url: url(o.url),
    // A URL string, an array of them, or an ImageObject (url or contentUrl).
    image: url(typeof img.valueOf() == "string" ? img.valueOf() : (img.url ?? img.contentUrl)),
  };
};

/** The first usable Product in JSON-LD texts; malformed JSON is skipped, no Product → undefined. */
export const productFromJsonLd = (texts: readonly string[]): ProductInput | undefined => {
  for (const ld of texts)
    try {
      for (const o of nodes(JSON.parse(ld))) {
        const p = toProduct(o);
        if (p) return p;
      }
    } catch {
      /* malformed JSON-LD: ignored */
    }
  return undefined;
};
