// The WooCommerce adapter in Chromium on the real stack: a fake WooCommerce store
// (./support/fake-woocommerce.ts) whose only Nudge code is the tag
// `/nudge.js?platform=woocommerce` served by `wrangler dev`. The store's script changes the cart
// through the Store API (fetch: add-item, batch, update-item; XHR: remove-item) and the classic
// ?wc-ajax=add_to_cart (XHR); a plain ?add-to-cart= link navigates; the classic cart page posts
// its form and triggers jQuery's updated_cart_totals: the worker gets one cart event per change,
// prices in major units. Plain permalinks (?rest_route=) work too. Then a shopper signs up for
// the newsletter, leaves, and the abandonment email lists the cart.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import sample from "./fixtures/platforms/woocommerce-cart.json" with { type: "json" };
import { hasChromium, launchChromium, visitorIdOf } from "./support/chromium.ts";
import { startFakeWoo, type FakeWoo } from "./support/fake-woocommerce.ts";
import {
  abandonmentEmail,
  brief,
  cartsOf,
  expectCart,
  platformConfig,
  startTap,
  STEP_WAIT_S,
  visitor,
  type Tap,
} from "./support/platform-run.ts";
import { freePort, startStack, waitFor, type Stack } from "./support/stack.ts";
import { printStackLogsOnFailure } from "./support/stack-logs.ts";

const SITE = "woo-test";

describe.skipIf(!hasChromium)("WooCommerce adapter (Chromium, wrangler dev)", () => {
  let stack: Stack;
  let shop: FakeWoo;
  let tap: Tap;
  let browser: Browser;
  printStackLogsOnFailure(() => ({ stack }));

  beforeAll(async () => {
    const port = await freePort();
    [stack, browser] = await Promise.all([
      startStack({ site: SITE, config: platformConfig(`http://127.0.0.1:${port}`, "woocommerce") }),
      launchChromium(),
    ]);
    // The tag comes from the worker through a tap that records what POST /e receives.
    tap = await startTap(stack.worker);
    shop = await startFakeWoo({ port, worker: tap.url, site: SITE });
  });
  afterAll(async () => {
    await browser?.close();
    await shop?.close();
    await tap?.close();
    await stack?.stop();
  });

  /** A fresh shopper on `path` (plain permalinks: `?rest_route=`), and its visitor id. */
  async function shopper(path: string, plain = false) {
    const ctx = await browser.newContext({ timezoneId: "Europe/Paris" });
    if (plain) await ctx.addCookies([{ name: "permalinks", value: "plain", url: shop.url }]);
    const page = await ctx.newPage();
    await page.goto(`${shop.url}${path}`);
    const vid = await visitorIdOf(page);
    return { ctx, page, vid, events: () => tap.of(vid) };
  }

  it("the fake store answers the Store API cart in the documented shape (the fixture's keys)", async () => {
    const { ctx, page } = await shopper("/shop/");
    await page.click("#add-mill");
    await page.waitForSelector('#mini-cart[data-lines="1"]', { state: "attached" });
    const cart = (await page.evaluate(async () =>
      (await fetch("/wp-json/wc/store/v1/cart")).json(),
    )) as { items: Record<string, unknown>[]; totals: Record<string, unknown> };
    expect(Object.keys(cart).sort()).toEqual(Object.keys(sample).sort());
    expect(Object.keys(cart.items[0]!).sort()).toEqual(Object.keys(sample.items[0]!).sort());
    expect(Object.keys(cart.totals).sort()).toEqual(Object.keys(sample.totals).sort());
    await ctx.close();
  });

  it("reports every cart change (Store API, wc-ajax, a plain link, the classic cart page), once, in major units", async () => {
    const { ctx, page, vid, events } = await shopper("/shop/");
    const cart = (n: number, want: string[]) => expectCart(stack, SITE, tap, vid, n, want);
    const mini = (lines: number, count: number) =>
      page.waitForSelector(`#mini-cart[data-lines="${lines}"][data-count="${count}"]`, {
        state: "attached",
      });
    await waitFor(async () => events().some((e) => e.name === "product"), "the product view");

    await page.click("#add-mill"); // fetch cart/add-item
    await mini(1, 1);
    await cart(1, ["38×1@18"]);
    await page.click("#add-aprons"); // fetch batch: two add-item requests
    await mini(3, 3);
    await cart(2, ["38×1@18", "22×1@34.5", "23×1@34.5"]);
    await page.click("#more-mill"); // fetch cart/update-item
    await mini(3, 4);
    const carts = await cart(3, ["38×2@18", "22×1@34.5", "23×1@34.5"]);
    expect(carts[2]!.currency).toBe("EUR");
    const mill = {
      id: 38, // as the Store API gives it
      name: "Salt &#038; Pepper Mill", // as the Store API gives it
      price: 18,
      quantity: 2,
      url: `${shop.url}/product/salt-pepper-mill/`,
      image: `${shop.url}/wp-content/uploads/2026/03/mill-set.svg`,
    };
    expect(carts[2]!.items[0]).toEqual(mill);
    // The worker decodes it: the visitor's cart holds the name a shopper reads (and ids as strings).
    const stored = (await visitor(stack, SITE, vid))?.profile.cart.items[0];
    expect(stored).toMatchObject({ ...mill, id: "38", name: "Salt & Pepper Mill" });
    await page.click("#remove-clay"); // XHR cart/remove-item
    await mini(2, 3);
    await cart(4, ["38×2@18", "22×1@34.5"]);
    await page.click("#ajax-candle"); // XHR ?wc-ajax=add_to_cart
    await mini(3, 4);
    await cart(5, ["38×2@18", "22×1@34.5", "51×1@12.9"]);
    // A plain link: the next page's load reads the cart.
    await Promise.all([page.waitForURL(/add-to-cart=51/), page.click("#link-candle")]);
    await cart(6, ["38×2@18", "22×1@34.5", "51×2@12.9"]);

    // The classic cart page posts its form to /cart/ and triggers updated_cart_totals (jQuery).
    await page.goto(`${shop.url}/cart/`);
    await page.fill("#qty-mill-set", "1");
    await page.fill("#qty-candle", "0");
    await page.click("#update-cart");
    await page.waitForSelector('body[data-updated="1"]', { state: "attached" });
    await cart(7, ["38×1@18", "22×1@34.5"]);
    await page.fill("#qty-mill-set", "0");
    await page.fill("#qty-apron-sand", "0");
    await page.click("#update-cart");
    await page.waitForSelector('body[data-updated="2"]', { state: "attached" });
    await cart(8, []);

    await page.goto(`${shop.url}/shop/`);
    await waitFor(async () => events().filter((e) => e.name === "page").length >= 4, "page views");
    await new Promise((r) => setTimeout(r, 800));
    expect(cartsOf(events()).map((c) => brief(c.items).length)).toEqual([1, 3, 3, 2, 3, 3, 2, 0]);
    expect(tap.statuses.filter((s) => s !== 202)).toEqual([]);
    expect((await visitor(stack, SITE, vid))?.profile.cart.count).toBe(0);
    await ctx.close();
  });

  it("reads the cart through ?rest_route= on a site with plain permalinks", async () => {
    const { ctx, page, vid } = await shopper("/shop/", true);
    await page.click("#add-mill");
    await page.waitForSelector('#mini-cart[data-lines="1"]', { state: "attached" });
    await expectCart(stack, SITE, tap, vid, 1, ["38×1@18"]);
    const reads = shop.requests.filter((r) => r.path.startsWith("/?rest_route=/wc/store/v1/cart"));
    expect(reads.length).toBeGreaterThan(0);
    await ctx.close();
  });

  it("end to end: a cart, a newsletter sign-up, and the abandonment email lists it", async () => {
    const { ctx, page, vid } = await shopper("/shop/");
    const email = `woo.${Math.random().toString(36).slice(2, 8)}@mail.example.org`;
    await page.click("#add-mill");
    await page.waitForSelector('#mini-cart[data-lines="1"]', { state: "attached" });
    await page.click("#add-aprons");
    await page.waitForSelector('#mini-cart[data-lines="3"]', { state: "attached" });
    await expectCart(stack, SITE, tap, vid, 2, ["38×1@18", "22×1@34.5", "23×1@34.5"]);
    await page.fill("#newsletter-email", email);
    await Promise.all([page.waitForURL(/mc4wp-success/), page.click("#newsletter-submit")]);
    await page.goto("about:blank");
    await ctx.close();

    const mail = await abandonmentEmail(stack, email, (STEP_WAIT_S + 30) * 1000);
    expect(mail.text).toContain("Salt & Pepper Mill × 1: €18.00");
    expect(mail.text.split("Linen Apron × 1: €34.50")).toHaveLength(3); // both colours
    expect(mail.text).toContain("Subtotal: €87.00");
    expect(mail.html).toContain(`src="${shop.url}/wp-content/uploads/2026/03/apron-clay.svg"`);

    // The button opens the cart page with a signed nudge_cart: on another device (an empty
    // cart) the tag puts the same items into that device's cart, and takes the token out of
    // the address bar.
    const m = /href="([^"]+)"[^>]*>[^<]*Return to your cart/.exec(mail.html);
    expect(m?.[1]).toBeTruthy();
    const other = await browser.newContext();
    const phone = await other.newPage();
    await phone.goto(m![1]!.replaceAll("&amp;", "&"));
    await phone.waitForURL((u) => u.pathname === "/cart/" && !u.searchParams.has("nudge_cart"));
    const lines = await waitFor(async () => {
      const c = (await phone.evaluate(async () =>
        (await fetch("/wp-json/wc/store/v1/cart")).json(),
      )) as { items: { id: number; quantity: number }[] };
      return c.items.length === 3 ? c.items.map((i) => `${i.id}:${i.quantity}`) : undefined;
    }, "the restored cart");
    expect(lines.sort()).toEqual(["22:1", "23:1", "38:1"]);
    await other.close();
  });
});
