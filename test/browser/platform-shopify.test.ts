// The Shopify adapter in Chromium on the real stack: a fake Shopify theme
// (./support/fake-shopify.ts) whose only Nudge code is the tag `/nudge.js?platform=shopify`
// served by `wrangler dev`. The drawer adds two variants (fetch: JSON to /cart/add.js, FormData
// to /cart/add), changes a quantity (/cart/change.js), the product form posts without
// JavaScript, the cart page removes a line (/cart/update.js) and clears (XHR): the worker gets
// one cart event per change, prices in major units, and the cart carries `_nudge_vid`. Then a
// shopper subscribes in the footer, leaves, and the abandonment email lists both variants.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import sample from "./fixtures/platforms/shopify-cart.json" with { type: "json" };
import { hasChromium, launchChromium, visitorIdOf } from "./support/chromium.ts";
import { startFakeShopify, VARIANTS, type FakeShopify } from "./support/fake-shopify.ts";
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

const SITE = "shopify-test";
const [OLIVE, SAND, MUG] = VARIANTS.map((v) => String(v.id)) as [string, string, string];

describe.skipIf(!hasChromium)("Shopify adapter (Chromium, wrangler dev)", () => {
  let stack: Stack;
  let shop: FakeShopify;
  let tap: Tap;
  let browser: Browser;
  printStackLogsOnFailure(() => ({ stack }));

  beforeAll(async () => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    [stack, browser] = await Promise.all([
      startStack({ site: SITE, config: platformConfig(origin) }),
      launchChromium(),
    ]);
    // The tag comes from the worker through a tap that records what POST /e receives.
    tap = await startTap(stack.worker);
    shop = await startFakeShopify({ port, worker: tap.url, site: SITE });
  });
  afterAll(async () => {
    await browser?.close();
    await shop?.close();
    await tap?.close();
    await stack?.stop();
  });

  /** A fresh shopper on `path`: a context of its own (cookies, storage) and its visitor id. */
  async function shopper(path: string) {
    const ctx = await browser.newContext({ timezoneId: "Europe/Paris" });
    const page = await ctx.newPage();
    await page.goto(`${shop.url}${path}`);
    const vid = await visitorIdOf(page);
    return { ctx, page, vid, events: () => tap.of(vid) };
  }

  it("the fake store answers /cart.js in the documented shape (the fixture's keys, line and cart)", async () => {
    const { ctx, page } = await shopper("/products/waxed-canvas-tote");
    await page.click("#add-tote-olv");
    await page.waitForSelector('#cart-drawer[data-lines="1"]');
    const cart = (await page.evaluate(async () => (await fetch("/en/cart.js")).json())) as {
      items: Record<string, unknown>[];
    };
    expect(Object.keys(cart).sort()).toEqual(Object.keys(sample).sort());
    expect(Object.keys(cart.items[0]!).sort()).toEqual(Object.keys(sample.items[1]!).sort());
    await ctx.close();
  });

  it("reports every cart change (fetch, XHR, form post), once, in major units, and links the cart to the visitor", async () => {
    const { ctx, page, vid, events } = await shopper("/products/waxed-canvas-tote");
    const cart = (n: number, want: string[]) => expectCart(stack, SITE, tap, vid, n, want);
    const drawer = (lines: number, count: number) =>
      page.waitForSelector(`#cart-drawer[data-lines="${lines}"][data-count="${count}"]`);

    await waitFor(async () => events().some((e) => e.name === "product"), "the product view");

    // The drawer: JSON to /en/cart/add.js, then FormData to /en/cart/add (no .js).
    await page.click("#add-tote-olv");
    await drawer(1, 1);
    await cart(1, [`${OLIVE}×1@45`]);
    await page.click("#add-tote-snd");
    await drawer(2, 2);
    await cart(2, [`${OLIVE}×1@45`, `${SAND}×1@49.5`]);
    // A quantity through /en/cart/change.js ({ line, quantity }).
    await page.click("#drawer-lines li:nth-child(1) .inc");
    await drawer(2, 3);
    const carts = await cart(3, [`${OLIVE}×2@45`, `${SAND}×1@49.5`]);
    expect(carts[2]).toEqual({
      currency: "EUR",
      items: [
        {
          id: OLIVE,
          name: "Waxed Canvas Tote - Olive",
          price: 45,
          quantity: 2,
          url: `${shop.url}/products/waxed-canvas-tote?variant=${OLIVE}`,
          image: `${shop.url}/cdn/shop/files/tote-olv.svg?v=1712345678`,
        },
        {
          id: SAND,
          name: "Waxed Canvas Tote - Sand",
          price: 49.5,
          quantity: 1,
          url: `${shop.url}/products/waxed-canvas-tote?variant=${SAND}`,
          image: `${shop.url}/cdn/shop/files/tote-snd.svg?v=1712345678`,
        },
      ],
    });

    // The visitor id lands in the cart's attributes (for the checkout's note_attributes).
    await waitFor(
      () =>
        page.evaluate(async () => {
          const c = (await (await fetch("/en/cart.js")).json()) as {
            attributes: Record<string, string>;
          };
          return c.attributes._nudge_vid;
        }),
      "_nudge_vid in the cart attributes",
    ).then((v) => expect(v).toBe(vid));

    // The product form posts without JavaScript; the store redirects to /cart, where the adapter
    // reads the cart on load. The mug's final_price is after its automatic discount.
    await page.goto(`${shop.url}/products/enamel-mug`);
    await Promise.all([page.waitForURL(/\/cart$/), page.click("#product-form-submit")]);
    await cart(4, [`${OLIVE}×2@45`, `${SAND}×1@49.5`, `${MUG}×1@16.2`]);

    // The cart page removes the mug (/en/cart/update.js { updates }, then reloads) and clears by
    // XHR (/en/cart/clear.js): the empty cart is reported.
    await Promise.all([page.waitForEvent("load"), page.click("#remove-mug-spk")]);
    await cart(5, [`${OLIVE}×2@45`, `${SAND}×1@49.5`]);
    await page.click("#clear-cart");
    await page.waitForSelector('#cart-drawer[data-count="0"]', { state: "attached" });
    await cart(6, []);

    // One report per change, none for the page loads that changed nothing, nothing twice.
    await page.goto(`${shop.url}/`);
    await waitFor(async () => events().filter((e) => e.name === "page").length >= 5, "page views");
    await new Promise((r) => setTimeout(r, 800));
    expect(cartsOf(events()).map((c) => brief(c.items).length)).toEqual([1, 2, 2, 3, 2, 0]);
    expect(tap.statuses.filter((s) => s !== 202)).toEqual([]);
    // The attribute was written once for this cart, by the adapter (the cart then had it).
    const linked = shop.requests.filter(
      (r) => /\/cart\/update/.test(r.path) && JSON.stringify(r.body).includes(vid),
    );
    expect(linked).toEqual([
      { method: "POST", path: "/en/cart/update.js", body: { attributes: { _nudge_vid: vid } } },
    ]);
    expect((await visitor(stack, SITE, vid))?.profile.cart.count).toBe(0);
    await ctx.close();
  });

  it("end to end: two variants in the drawer, a newsletter sign-up, and the abandonment email lists both", async () => {
    const { ctx, page, vid } = await shopper("/products/waxed-canvas-tote");
    const email = `shopify.${Math.random().toString(36).slice(2, 8)}@mail.example.org`;
    await page.click("#add-tote-olv");
    await page.waitForSelector('#cart-drawer[data-lines="1"]');
    await page.click("#add-tote-snd");
    await page.waitForSelector('#cart-drawer[data-lines="2"]');
    await expectCart(stack, SITE, tap, vid, 2, [`${OLIVE}×1@45`, `${SAND}×1@49.5`]);
    // The footer's newsletter form (POST /contact): the core's form capture identifies.
    await page.fill("#NewsletterForm--footer", email);
    await Promise.all([page.waitForURL(/customer_posted=true/), page.click("#newsletter-submit")]);
    await page.goto("about:blank");
    await ctx.close();

    const mail = await abandonmentEmail(stack, email, (STEP_WAIT_S + 30) * 1000);
    expect(mail.subject).toBe("You left something behind");
    expect(mail.text).toContain("Waxed Canvas Tote - Olive × 1: €45.00");
    expect(mail.text).toContain("Waxed Canvas Tote - Sand × 1: €49.50");
    expect(mail.text).toContain("Subtotal: €94.50");
    // Links go through the worker's click tracking; the images are the cart's own.
    expect(mail.html).toContain(`src="${shop.url}/cdn/shop/files/tote-olv.svg?v=1712345678"`);
    expect(mail.html).toContain(`src="${shop.url}/cdn/shop/files/tote-snd.svg?v=1712345678"`);
  });
});
