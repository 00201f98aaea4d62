// The cart link of an email: the shop's cart page plus a signed `nudge_cart` naming the items,
// readable back only through the token check; nothing added for an empty or oversized cart.
import { describe, expect, it } from "vitest";
import type { TemplateContext } from "./context.ts";
import { cartRestoreLink, platformCartLink, shopifyCartPermalink } from "./cart-link.ts";
import { verifyToken } from "./tokens.ts";

const SECRET = "cart-link-test-secret";
const item = (id: string, quantity: number) => ({ id, name: id, price: 10, quantity });
const context = (items: ReturnType<typeof item>[], cart = "https://shop.example/cart?x=1") =>
  ({
    site: { id: "shop", name: "Shop", url: "https://shop.example/", postal_address: "1 St" },
    cart: { items, value: 0, currency: "EUR", count: items.length },
    links: { cart },
  }) as unknown as TemplateContext;

describe("cartRestoreLink", () => {
  it("adds a signed token with the item ids and quantities to the cart page", async () => {
    const link = await cartRestoreLink(
      SECRET,
      "shop",
      context([item("mug", 2), item("tee", 1)]),
      0,
    );
    const url = new URL(link!);
    expect(`${url.origin}${url.pathname}`).toBe("https://shop.example/cart");
    expect(url.searchParams.get("x")).toBe("1");
    const v = await verifyToken(SECRET, url.searchParams.get("nudge_cart")!, 1000, "cart");
    expect(v).toMatchObject({
      ok: true,
      payload: {
        site: "shop",
        currency: "EUR",
        items: [
          ["mug", 2],
          ["tee", 1],
        ],
      },
    });
    // Another secret (a forgery) does not read back.
    const forged = await verifyToken("other", url.searchParams.get("nudge_cart")!, 1000, "cart");
    expect(forged.ok).toBe(false);
  });

  it("leaves the link alone for an empty or oversized cart", async () => {
    expect(await cartRestoreLink(SECRET, "shop", context([]), 0)).toBeNull();
    const many = Array.from({ length: 51 }, (_, i) => item(`sku-${i}`, 1));
    expect(await cartRestoreLink(SECRET, "shop", context(many), 0)).toBeNull();
    const long = Array.from({ length: 40 }, (_, i) => item(`${"x".repeat(100)}-${i}`, 1));
    expect(await cartRestoreLink(SECRET, "shop", context(long), 0)).toBeNull();
  });

  it("uses the shop's home when the site names no cart page", async () => {
    const ctx = context([item("mug", 1)]);
    delete (ctx.links as Record<string, string>).cart;
    expect(await cartRestoreLink(SECRET, "shop", ctx, 0)).toMatch(
      /^https:\/\/shop\.example\/\?nudge_cart=/,
    );
  });
});

describe("shopifyCartPermalink", () => {
  it("lists variant:quantity pairs on the shop's /cart/ path", () => {
    expect(shopifyCartPermalink(context([item("808950810", 2), item("457924702", 1)]))).toBe(
      "https://shop.example/cart/808950810:2,457924702:1",
    );
  });

  it("is null when an id is not a variant id, or the cart is empty", () => {
    expect(shopifyCartPermalink(context([item("808950810", 1), item("mug", 1)]))).toBeNull();
    expect(shopifyCartPermalink(context([]))).toBeNull();
  });
});

describe("platformCartLink", () => {
  it("WooCommerce: an add-to-cart URL for a one-line cart, nothing for more lines", () => {
    expect(platformCartLink("woocommerce", context([item("93", 2)]))).toBe(
      "https://shop.example/cart/?add-to-cart=93&quantity=2",
    );
    expect(platformCartLink("woocommerce", context([item("93", 2), item("94", 1)]))).toBeNull();
  });

  it("Shopify: the permalink; other platforms: none of their own", () => {
    expect(platformCartLink("shopify", context([item("1", 1)]))).toBe(
      "https://shop.example/cart/1:1",
    );
    expect(platformCartLink("custom", context([item("1", 1)]))).toBeNull();
    expect(platformCartLink(undefined, context([item("1", 1)]))).toBeNull();
  });
});
