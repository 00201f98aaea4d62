// The platform adapters' pure parts on the documented answers (fixtures in
// test/browser/fixtures/platforms/): what each platform's cart becomes, checked against the
// worker's CartSchema, and the report's dedupe. The adapters in the page, watching requests,
// are driven in Chromium (test/browser/platform-*.test.ts).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import shopifyCart from "../../test/browser/fixtures/platforms/shopify-cart.json" with { type: "json" };
import wooCart from "../../test/browser/fixtures/platforms/woocommerce-cart.json" with { type: "json" };
import { CartSchema, WireEventSchema } from "../../worker/ingest/wire.ts";
import { call, report, type Item } from "./common.ts";
import { itemsOf as shopifyItems } from "./shopify.ts";
import { itemsOf as wooItems } from "./woocommerce.ts";

let calls: unknown[][];
beforeEach(() => {
  calls = [];
  vi.stubGlobal("location", new URL("https://shop.example/collections/all"));
  vi.stubGlobal("localStorage", {});
  vi.stubGlobal("window", { nudge: (...a: unknown[]) => calls.push(a) });
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe("Shopify /cart.js", () => {
  /** The cart as the worker stores it from a cart event sent on `page`. */
  const stored = (items: Item[], page = "https://shop.example/collections/all") => {
    const e = WireEventSchema.parse({ id: "abcdefgh", name: "cart", url: page, data: { items } });
    return e.name == "cart" ? e.data.items : [];
  };

  it("becomes cart items: variant id, title, final price in major units; the worker makes the url absolute", () => {
    const items = shopifyItems(shopifyCart);
    expect(items).toEqual([
      {
        id: 44718112309515,
        name: "Waxed Canvas Tote - Olive",
        price: 45,
        quantity: 2,
        url: "/products/waxed-canvas-tote?variant=44718112309515",
        image: "https://cdn.shopify.com/s/files/1/0612/3456/7890/files/tote-olive.jpg?v=1712345678",
      },
      {
        id: 44718112407819,
        name: "Enamel Mug - Speckled White",
        price: 16.2, // final_price (after the line discount), not price
        quantity: 1,
        url: "/products/enamel-mug?variant=44718112407819",
        image:
          "https://cdn.shopify.com/s/files/1/0612/3456/7890/files/mug-speckled.jpg?v=1712345999",
      },
    ]);
    expect(stored(items).map((i) => i.url)).toEqual([
      "https://shop.example/products/waxed-canvas-tote?variant=44718112309515",
      "https://shop.example/products/enamel-mug?variant=44718112407819",
    ]);
    const parsed = CartSchema.parse({ items: stored(items), currency: shopifyCart.currency });
    expect(parsed.currency).toBe("EUR");
    // The ids go as Shopify gives them, numbers; the worker keeps them as strings.
    expect(parsed.items.map((i) => i.id)).toEqual(["44718112309515", "44718112407819"]);
  });

  it("takes product_title without a title, never sends NaN, and the worker resolves // images", () => {
    const [item] = shopifyItems({
      items: [
        {
          id: 1,
          product_title: "Gift card",
          final_price: undefined as unknown as number, // a remote line has no price
          quantity: 1,
          url: "/products/gift-card",
          image: "//cdn.shopify.com/gift.png",
        },
      ],
    });
    expect(item).toMatchObject({ name: "Gift card", price: 0 });
    expect(stored([item!])).toEqual([
      {
        id: "1",
        name: "Gift card",
        price: 0,
        quantity: 1,
        url: "https://shop.example/products/gift-card",
        image: "https://cdn.shopify.com/gift.png",
      },
    ]);
    const [none] = shopifyItems({
      items: [{ id: 2, title: "T", final_price: 100, quantity: 1, url: "/p", image: null }],
    });
    expect(stored([none!])[0]).not.toHaveProperty("image");
  });
});

describe("WooCommerce Store API cart", () => {
  it("becomes cart items: product id, name as given, price from minor units, permalink, first image", () => {
    const items = wooItems(wooCart);
    expect(items).toEqual([
      {
        id: 38, // a string once the worker has it (below)
        name: "Salt &amp; Pepper Mill", // decoded by the worker (below)
        price: 18,
        quantity: 2,
        url: "https://shop.example/product/salt-pepper-mill/",
        image: "https://shop.example/wp-content/uploads/2026/03/mill.jpg",
      },
      {
        id: 22,
        name: "Linen Apron",
        price: 34.5,
        quantity: 1,
        url: "https://shop.example/product/linen-apron/?attribute_pa_color=sand",
        image: "https://shop.example/wp-content/uploads/2026/03/apron-sand.jpg",
      },
    ]);
    const cart = CartSchema.parse({ items, currency: wooCart.totals.currency_code });
    expect(cart.items.map((i) => i.name)).toEqual(["Salt & Pepper Mill", "Linen Apron"]);
    expect(cart.items.map((i) => i.id)).toEqual(["38", "22"]);
  });

  it("divides by the currency's own minor unit (0 for JPY, 3 for KWD)", () => {
    const item = (price: string, currency_minor_unit: number) => ({
      id: 1,
      name: "X",
      quantity: 1,
      prices: { price, currency_minor_unit },
    });
    expect(wooItems({ items: [item("1500", 0), item("12345", 3)] }).map((i) => i.price)).toEqual([
      1500, 12.345,
    ]);
  });
});

describe("report", () => {
  const a: Item = { id: "1", name: "A", price: 9.5, quantity: 1 };
  const b: Item = { id: "2", name: "B", price: 3, quantity: 2 };
  const carts = () => calls.map(([cmd, d]) => [cmd, (d as { items: Item[] }).items.length]);

  it("reports a changed cart once, an empty cart only after a non-empty one", () => {
    report([], "EUR"); // nothing reported yet: not sent
    report([a], "EUR");
    report([a], "EUR"); // the same: not sent
    report([a, b], "EUR");
    report([a, { ...b, quantity: 3 }], "EUR");
    report([], "EUR");
    report([], "EUR");
    expect(carts()).toEqual([
      ["cart", 1],
      ["cart", 2],
      ["cart", 2],
      ["cart", 0],
    ]);
    expect(calls[0]).toEqual(["cart", { items: [a], currency: "EUR" }]);
  });

  it("remembers the last report across pages (localStorage)", () => {
    report([a], "EUR");
    const stored = { ...(localStorage as unknown as Record<string, string>) };
    vi.stubGlobal("localStorage", stored); // the next page
    report([a], "EUR");
    expect(carts()).toEqual([["cart", 1]]);
  });
});

describe("call", () => {
  it("queues on a stub the core replays when window.nudge is not installed yet", () => {
    const w: { nudge?: ((...a: unknown[]) => void) & { q?: unknown[][] } } = {};
    vi.stubGlobal("window", w);
    call("cart", { items: [] });
    call("product", { id: "p" });
    expect(w.nudge?.q).toEqual([
      ["cart", { items: [] }],
      ["product", { id: "p" }],
    ]);
  });
});
