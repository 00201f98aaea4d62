// JSON-LD product extraction (jsonld.ts, run by the worker's wire schema) over a table of
// real-world shapes, and through JsonLdProductSchema as the worker applies it.
import { describe, expect, it } from "vitest";
import { JsonLdProductSchema, ProductSchema } from "./wire.ts";
import { price, productFromJsonLd } from "./jsonld.ts";
import shopifyProduct from "../../test/fixtures/jsonld/shopify-structured-data-product.json" with { type: "json" };
import shopifyGroup from "../../test/fixtures/jsonld/shopify-structured-data-productgroup.json" with { type: "json" };

const ld = (v: unknown) => JSON.stringify(v);
const offer = { "@type": "Offer", price: "19.90", priceCurrency: "EUR" };
const base = { "@context": "https://schema.org", "@type": "Product", name: "Tee", sku: "tee-1" };

const table: [string, string[], Record<string, unknown> | undefined][] = [
  [
    "a plain object",
    [ld({ ...base, offers: offer })],
    { id: "tee-1", name: "Tee", price: 19.9, currency: "EUR" },
  ],
  [
    "an array of nodes",
    [ld([{ "@type": "BreadcrumbList" }, { ...base, offers: offer }])],
    { id: "tee-1" },
  ],
  [
    "@graph (Yoast / WooCommerce)",
    [
      ld({
        "@context": "https://schema.org",
        "@graph": [
          { "@type": "WebPage", name: "x" },
          { ...base, offers: [offer] },
        ],
      }),
    ],
    { id: "tee-1", price: 19.9 },
  ],
  ["nested @graph in an array", [ld([{ "@graph": [{ ...base }] }])], { id: "tee-1", name: "Tee" }],
  ["mainEntity of a page", [ld({ "@type": "ItemPage", mainEntity: { ...base } })], { id: "tee-1" }],
  [
    "AggregateOffer (lowPrice)",
    [
      ld({
        ...base,
        offers: { "@type": "AggregateOffer", lowPrice: 12, highPrice: 30, priceCurrency: "usd" },
      }),
    ],
    { price: 12, currency: "usd" },
  ],
  [
    "price as a number",
    [ld({ ...base, offers: { price: 7, priceCurrency: "GBP" } })],
    { price: 7 },
  ],
  ["price as a string", [ld({ ...base, offers: { price: "1299.00" } })], { price: 1299 }],
  [
    "price from a PriceSpecification",
    [ld({ ...base, offers: { priceSpecification: { price: 5, priceCurrency: "EUR" } } })],
    { price: 5, currency: "EUR" },
  ],
  [
    "a localised price string is left out",
    [ld({ ...base, offers: { price: "19,90" } })],
    { price: undefined },
  ],
  ["a negative price is left out", [ld({ ...base, offers: { price: -1 } })], { price: undefined }],
  [
    "a bad currency is left out",
    [ld({ ...base, offers: { price: 1, priceCurrency: "€" } })],
    { currency: undefined },
  ],
  [
    "productID as id",
    [ld({ "@type": "Product", name: "Mug", productID: "isbn:123" })],
    { id: "isbn:123" },
  ],
  [
    "@id as id",
    [ld({ "@type": "Product", name: "Mug", "@id": "https://s.example/p/mug#product" })],
    { id: "https://s.example/p/mug#product" },
  ],
  ["a numeric sku", [ld({ "@type": "Product", name: "Mug", sku: 12345 })], { id: "12345" }],
  ["@type as an array", [ld({ ...base, "@type": ["Product", "Thing"] })], { id: "tee-1" }],
  [
    "a full schema.org type URL",
    [ld({ ...base, "@type": "http://schema.org/Product" })],
    { id: "tee-1" },
  ],
  [
    "image as a string",
    [ld({ ...base, image: "https://s.example/a.jpg" })],
    { image: "https://s.example/a.jpg" },
  ],
  [
    "image as an array",
    [ld({ ...base, image: ["https://s.example/a.jpg", "https://s.example/b.jpg"] })],
    { image: "https://s.example/a.jpg" },
  ],
  [
    "image as an ImageObject",
    [ld({ ...base, image: { "@type": "ImageObject", url: "https://s.example/c.jpg" } })],
    { image: "https://s.example/c.jpg" },
  ],
  [
    "image as an ImageObject with contentUrl",
    [ld({ ...base, image: [{ "@type": "ImageObject", contentUrl: "https://s.example/d.jpg" }] })],
    { image: "https://s.example/d.jpg" },
  ],
  [
    "a relative image or url is left out",
    [ld({ ...base, image: "/a.jpg", url: "/p/tee" })],
    { image: undefined, url: undefined },
  ],
  [
    "url kept when absolute",
    [ld({ ...base, url: "https://s.example/p/tee" })],
    { url: "https://s.example/p/tee" },
  ],
  ["malformed JSON before a good script", ["{ not json", ld(base)], { id: "tee-1" }],
  [
    "a ProductGroup alone is not a product",
    [ld({ "@type": "ProductGroup", name: "Tees", productGroupID: "g" })],
    undefined,
  ],
  [
    "Shopify's structured_data, one variant: the variant id, not the empty sku or the @id",
    [ld(shopifyProduct)],
    { id: "43247249612865", name: "Crocodile tears", price: 56, currency: "CAD" },
  ],
  [
    "Shopify's structured_data, a ProductGroup: its first variant, by variant id",
    [ld(shopifyGroup)],
    {
      id: "43247249702977",
      name: "Blue mountain flower - Small",
      price: 24,
      url: "https://polinas-potent-potions.myshopify.com/products/blue-mountain-flower",
    },
  ],
  [
    "a variant without an image of its own takes the group's",
    [ld({ ...shopifyGroup, hasVariant: [shopifyGroup.hasVariant[1]] })],
    {
      id: "43247249735745",
      image: shopifyGroup.image,
    },
  ],
  [
    "variant= in a url that is not a number is not an id",
    [ld({ ...base, offers: { ...offer, url: "https://s.example/p?variant=red" } })],
    { id: "tee-1" },
  ],
  ["no id at all", [ld({ "@type": "Product", name: "Nameless id" })], undefined],
  ["no name", [ld({ "@type": "Product", sku: "x" })], undefined],
  ["not a product", [ld({ "@type": "Organization", name: "Shop" })], undefined],
  ["only malformed", ["{", "[1,", '"Product"'], undefined],
  ["null and primitives", [ld(null), ld(3), ld("Product"), ld([null, 1, "x"])], undefined],
];

describe("productFromJsonLd", () => {
  it.each(table)("%s", (_name, texts, want) => {
    const got = productFromJsonLd(texts);
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got).toMatchObject(want);
  });

  it("never throws, and what it returns always passes the worker's ProductSchema", () => {
    for (const [, texts, want] of table) {
      const got = productFromJsonLd(texts);
      if (want) expect(ProductSchema.safeParse(got).success).toBe(true);
    }
  });

  it("cuts long ids and names to what the worker accepts", () => {
    const got = productFromJsonLd([
      ld({ "@type": "Product", sku: "x".repeat(300), name: "n".repeat(900) }),
    ]);
    expect(got?.id).toHaveLength(128);
    expect(got?.name).toHaveLength(500);
  });
});

describe("price", () => {
  it.each([
    [19.9, 19.9],
    ["19.90", 19.9],
    [" 5 ", 5],
    [0, 0],
    ["", undefined],
    [null, undefined],
    [true, undefined],
    ["$5", undefined],
    [2e9, undefined],
    [Number.NaN, undefined],
  ])("%j → %j", (p, want) => expect(price(p)).toBe(want));
});

describe("JsonLdProductSchema (the worker side of `product { ld }`)", () => {
  it("turns JSON-LD texts into a normalised product", () => {
    const r = JsonLdProductSchema.safeParse({
      ld: [ld({ ...base, offers: { price: "3.5", priceCurrency: "eur" } })],
    });
    expect(r.success && r.data).toEqual({ id: "tee-1", name: "Tee", price: 3.5, currency: "EUR" });
  });
  it("rejects texts without a usable product", () => {
    expect(JsonLdProductSchema.safeParse({ ld: ["{"] }).success).toBe(false);
    expect(JsonLdProductSchema.safeParse({ ld: [] }).success).toBe(false);
  });
});
