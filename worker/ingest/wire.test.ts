// The page URL of a wire event: the snippet sends origin + path + utm_* uncut; the worker
// accepts up to 8,192 characters and stores what minimalPageUrl keeps, cut to 2,048.
import { describe, expect, it } from "vitest";
import { WireEventSchema } from "./wire.ts";

const stored = (url: string) => {
  const r = WireEventSchema.safeParse({ id: "abcdefgh", name: "page", url });
  return r.success ? r.data.url : r.error.issues.map((i) => i.path.join("."));
};

describe("the page url", () => {
  const base = "https://shop.example/p?utm_content=";

  it("accepts up to 8,192 characters and stores the minimal URL cut to 2,048", () => {
    expect(stored(`${base}${"x".repeat(5000)}&email=a%40b.c#t`)).toBe(
      `${base}${"x".repeat(5000)}`.slice(0, 2048),
    );
    const max = `${base}${"x".repeat(8192 - base.length)}`;
    expect(stored(max)).toBe(max.slice(0, 2048));
    expect(stored(`${max}x`)).toEqual(["url"]);
  });

  it("drops a % escape the cut splits, and leaves a URL that fits as it is", () => {
    for (const pad of [0, 1, 2]) {
      const url = `${base}${"x".repeat(2048 - base.length - 3 + pad)}%C3%A9%C3%A9`;
      const got = stored(url) as string;
      expect(got.length).toBeLessThanOrEqual(2048);
      expect(got).toMatch(/x(%[0-9A-F]{2})*$/);
      expect(URL.canParse(got)).toBe(true);
    }
    expect(stored("https://shop.example/100%")).toBe("https://shop.example/100%");
  });
});

describe("a browser cart's item URLs", () => {
  const cart = (item: Record<string, unknown>, url?: string) =>
    WireEventSchema.safeParse({
      id: "abcdefgh",
      name: "cart",
      url,
      data: {
        currency: "EUR",
        items: [{ id: "1", name: "Tote", price: 45, quantity: 1, ...item }],
      },
    });
  const item = (r: ReturnType<typeof cart>) =>
    r.success && r.data.name === "cart"
      ? r.data.data.items[0]
      : r.error!.issues.map((i) => i.path.join("."));

  it("keeps absolute ones as they are (today's shape)", () => {
    const abs = { url: "https://shop.example/products/tote", image: "https://cdn.example/t.jpg" };
    expect(item(cart(abs))).toMatchObject(abs);
    expect(item(cart(abs, "https://other.example/cart"))).toMatchObject(abs);
  });

  it("resolves relative and protocol-relative ones against the event's page URL", () => {
    const r = cart(
      { url: "/products/tote?variant=1", image: "//cdn.shopify.com/t.jpg?v=2" },
      "https://shop.example/en/cart?utm_source=x&email=a%40b.c",
    );
    expect(item(r)).toEqual({
      id: "1",
      name: "Tote",
      price: 45,
      quantity: 1,
      url: "https://shop.example/products/tote?variant=1",
      image: "https://cdn.shopify.com/t.jpg?v=2",
    });
  });

  it("drops a null image (no image), and takes no URL at all", () => {
    const r = cart({ url: "/p", image: null }, "https://shop.example/");
    expect(item(r)).toEqual({
      id: "1",
      name: "Tote",
      price: 45,
      quantity: 1,
      url: "https://shop.example/p",
    });
    expect(item(cart({}, "https://shop.example/"))).toEqual({
      id: "1",
      name: "Tote",
      price: 45,
      quantity: 1,
    });
  });

  it("rejects a relative one without a page URL, and what is not http(s) once resolved", () => {
    expect(item(cart({ url: "/products/tote" }))).toEqual(["data.items.0.url"]);
    expect(item(cart({ image: "javascript:alert(1)" }, "https://shop.example/"))).toEqual([
      "data.items.0.image",
    ]);
    expect(item(cart({ url: `/${"x".repeat(2048)}` }, "https://shop.example/"))).toEqual([
      "data.items.0.url",
    ]);
  });

  it("leaves the purchase's items as they were: absolute only", () => {
    const r = WireEventSchema.safeParse({
      id: "abcdefgh",
      name: "purchase",
      url: "https://shop.example/thanks",
      data: {
        order_id: "o1",
        value: 45,
        currency: "EUR",
        items: [{ id: "1", name: "Tote", price: 45, quantity: 1, url: "/products/tote" }],
      },
    });
    expect(r.success).toBe(false);
  });
});

describe("product and cart item names", () => {
  const cart = (name: string) =>
    WireEventSchema.safeParse({
      id: "abcdefgh",
      name: "cart",
      data: { items: [{ id: "38", name, price: 18, quantity: 1 }] },
    });
  it("are decoded when they arrive HTML-escaped (WooCommerce), then trimmed", () => {
    const r = cart(" Salt &#038; Pepper Mill&nbsp;");
    expect(r.success && r.data.name === "cart" && r.data.data.items[0]?.name).toBe(
      "Salt & Pepper Mill",
    );
    const p = WireEventSchema.safeParse({
      id: "abcdefgh",
      name: "product",
      data: { id: "38", name: "Caf&#xE9; Mug" },
    });
    expect(p.success && p.data.name === "product" && p.data.data.name).toBe("Café Mug");
  });
  it("are refused when nothing is left, or too long once decoded", () => {
    expect(cart("&nbsp;").success).toBe(false);
    expect(cart("&amp;".repeat(501)).success).toBe(false);
    expect(cart("&amp;".repeat(500)).success).toBe(true);
  });
});

describe("product, cart item and order ids", () => {
  const parse = (name: string, data: unknown) => {
    const r = WireEventSchema.safeParse({ id: "abcdefgh", name, data });
    return r.success ? r.data : r.error.issues.map((i) => i.path.join("."));
  };
  const product = (id: unknown) => parse("product", { id, name: "Mill" });
  const cartItem = (id: unknown) =>
    parse("cart", { items: [{ id, name: "Mill", price: 18, quantity: 1 }] });
  const order = (order_id: unknown) => parse("purchase", { order_id, value: 18, currency: "EUR" });

  it("take a whole number as stores give them, kept as its decimal string", () => {
    expect(product(38)).toMatchObject({ data: { id: "38" } });
    expect(cartItem(44718112309515)).toMatchObject({ data: { items: [{ id: "44718112309515" }] } });
    expect(order(1042)).toMatchObject({ data: { order_id: "1042" } });
    expect(product(0)).toMatchObject({ data: { id: "0" } });
    expect(product(" sku-1 ")).toMatchObject({ data: { id: "sku-1" } });
  });

  it("reject a fraction, a negative or unsafe number, an empty string and other types", () => {
    for (const bad of [
      1.5,
      -1,
      Number.MAX_SAFE_INTEGER + 1,
      NaN,
      Infinity,
      "",
      "  ",
      true,
      null,
      {},
    ]) {
      expect([cartItem(bad), order(bad)]).toEqual([["data.items.0.id"], ["data.order_id"]]);
      // (a product view is a product or JSON-LD texts: the error names either)
      expect(product(bad)).toEqual([expect.stringMatching(/^data(\.id)?$/)]);
    }
    expect(product("x".repeat(129))).toEqual([expect.stringMatching(/^data(\.id)?$/)]);
  });
});
