// The Shopify adapter in Chromium on the real stack: a fake Shopify theme
// (./support/fake-shopify.ts) whose only Nudge code is the tag `/nudge.js?platform=shopify`
// served by `wrangler dev`. The drawer adds two variants (fetch: JSON to /cart/add.js, FormData
// to /cart/add), changes a quantity (/cart/change.js), the product form posts without
// JavaScript, the cart page removes a line (/cart/update.js) and clears (XHR): the worker gets
// one cart event per change, prices in major units, and the cart carries `_nudge_vid`. Then a
// shopper subscribes in the footer, leaves, and the abandonment email lists both variants; its
// button, a cart permalink, rebuilds the cart on another device. Last, Shopify's signed webhooks:
// a checkout reaches the anonymous browser through `_nudge_vid` and its email opens the
// checkout's recovery URL; an order before the step is due means no email, counted once.
import { createHmac, randomUUID } from "node:crypto";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import sample from "./fixtures/platforms/shopify-cart.json" with { type: "json" };
import { hasChromium, launchChromium, visitorIdOf } from "./support/chromium.ts";
import { startFakeShopify, VARIANTS, type FakeShopify } from "./support/fake-shopify.ts";
import {
  abandonmentEmail,
  brief,
  outbox,
  cartsOf,
  expectCart,
  platformConfig,
  startTap,
  STEP_WAIT_S,
  visitor,
  type Tap,
} from "./support/platform-run.ts";
import { freePort, SHOPIFY_SECRET, startStack, waitFor, type Stack } from "./support/stack.ts";
import shopifyCheckout from "../fixtures/platforms/shopify-checkouts-create.json" with { type: "json" };
import shopifyOrder from "../fixtures/platforms/shopify-orders-create.json" with { type: "json" };
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
      startStack({ site: SITE, config: platformConfig(origin, "shopify") }),
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

  /** Shopify's delivery of `topic`: the body signed with the shop's webhook secret. */
  function webhook(
    topic: string,
    body: string,
    secret = SHOPIFY_SECRET,
    id: string = randomUUID(),
  ) {
    return fetch(`${stack.worker}/webhooks/shopify/${SITE}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-shopify-topic": topic,
        "x-shopify-webhook-id": id,
        "x-shopify-shop-domain": "slow-mornings.myshopify.com",
        "x-shopify-hmac-sha256": createHmac("sha256", secret).update(body).digest("base64"),
      },
      body,
    });
  }

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
    // The adapter sends Shopify's relative URLs; the worker stores them absolute.
    expect(carts[2]!.currency).toBe("EUR");
    expect((await visitor(stack, SITE, vid))?.profile.cart).toMatchObject({
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

    // The button is a Shopify cart permalink (through the click route): opened on another
    // device, it rebuilds the same cart there.
    const other = await browser.newContext();
    const phone = await other.newPage();
    await phone.goto(buttonHref(mail.html, "Return to your cart"));
    await phone.waitForURL(/\/cart$/);
    const restored = (await phone.evaluate(async () => (await fetch("/cart.js")).json())) as {
      items: { variant_id: number; quantity: number }[];
    };
    expect(restored.items.map((i) => `${i.variant_id}:${i.quantity}`)).toEqual([
      `${OLIVE}:1`,
      `${SAND}:1`,
    ]);
    expect(shop.requests.some((r) => r.path.startsWith(`/cart/${OLIVE}:1,${SAND}:1`))).toBe(true);
    await other.close();
  });

  it("Shopify's webhooks: the checkout reaches the anonymous browser through _nudge_vid and links to its recovery URL; a signed order before the step is due means no email", async () => {
    /** An anonymous shopper with the two totes in the cart, and the cart's _nudge_vid. */
    async function shopperWithCart() {
      const s = await shopper("/products/waxed-canvas-tote");
      await s.page.click("#add-tote-olv");
      await s.page.waitForSelector('#cart-drawer[data-lines="1"]');
      await s.page.click("#add-tote-snd");
      await s.page.waitForSelector('#cart-drawer[data-lines="2"]');
      await expectCart(stack, SITE, tap, s.vid, 2, [`${OLIVE}×1@45`, `${SAND}×1@49.5`]);
      const attr = await waitFor(
        () =>
          s.page.evaluate(async () => {
            const c = (await (await fetch("/cart.js")).json()) as {
              attributes: Record<string, string>;
            };
            return c.attributes._nudge_vid;
          }),
        "_nudge_vid",
      );
      expect(attr).toBe(s.vid);
      return s;
    }
    const line = (id: string, title: string, price: string) => ({
      variant_id: Number(id),
      product_id: 8123456700000,
      title: "Waxed Canvas Tote",
      variant_title: title,
      price,
      quantity: 1,
    });
    const lines = [line(OLIVE, "Olive", "45.00"), line(SAND, "Sand", "49.50")];
    const now = new Date().toISOString();

    // 1. Checkout: the address typed inside Shopify's checkout, sent by checkouts/create.
    const a = await shopperWithCart();
    const buyer = `checkout.${Math.random().toString(36).slice(2, 8)}@mail.example.org`;
    const recovery = `https://slow-mornings.myshopify.com/checkouts/cn/${a.vid.slice(0, 12)}/recover?key=k1`;
    const checkout = JSON.stringify({
      ...shopifyCheckout,
      id: 981820079255243600,
      email: buyer,
      customer: { ...shopifyCheckout.customer, email: buyer, first_name: "Maud" },
      created_at: now,
      updated_at: now,
      currency: "EUR",
      presentment_currency: "EUR",
      total_price: "94.50",
      line_items: lines,
      note_attributes: [{ name: "_nudge_vid", value: a.vid }],
      abandoned_checkout_url: recovery,
    });
    const forged = await webhook("checkouts/create", checkout, "not-the-secret");
    expect(forged.status).toBe(401);
    expect((await visitor(stack, SITE, a.vid))?.profile.email).toBeNull();
    const res = await webhook("checkouts/create", checkout);
    expect(await res.json()).toEqual({ ok: true, accepted: 3, duplicates: 0 });
    await a.ctx.close();
    const mail = await abandonmentEmail(
      stack,
      buyer,
      (STEP_WAIT_S + 30) * 1000,
      "checkout-abandoned",
    );
    expect(mail.text).toContain("Hi Maud");
    expect(mail.text).toContain("Waxed Canvas Tote - Olive × 1: €45.00");
    expect(mail.text).toContain("Total: €94.50");
    const hop = await fetch(buttonHref(mail.html, "Complete your order"), { redirect: "manual" });
    expect(`${hop.status} ${hop.headers.get("location")} ${await hop.text()}`).toBe(
      `302 ${recovery} `,
    );
    // The checkout superseded the cart: one email, not two.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await outbox(stack)).filter((e) => e.to.includes(buyer)).length).toBe(1);

    // 2. Paid before the step is due: orders/create (and its replay, and orders/paid) → no email.
    const b = await shopperWithCart();
    const payer = `order.${Math.random().toString(36).slice(2, 8)}@mail.example.org`;
    await b.page.fill("#NewsletterForm--footer", payer);
    await Promise.all([
      b.page.waitForURL(/customer_posted=true/),
      b.page.click("#newsletter-submit"),
    ]);
    await b.ctx.close();
    const order = JSON.stringify({
      ...shopifyOrder,
      id: 820982911946154600,
      admin_graphql_api_id: `gid://shopify/Order/${Date.now()}`,
      email: payer,
      contact_email: payer,
      customer: { ...shopifyOrder.customer, email: payer },
      created_at: now,
      processed_at: now,
      currency: "EUR",
      total_price: "94.50",
      line_items: lines,
      note_attributes: [{ name: "_nudge_vid", value: b.vid }],
    });
    expect(await (await webhook("orders/create", order, undefined, "wh-order-1")).json()).toEqual({
      ok: true,
      accepted: 2,
      duplicates: 0,
    });
    expect(
      await (await webhook("orders/create", order, undefined, "wh-order-1")).json(),
    ).toMatchObject({
      accepted: 0,
    });
    expect(await (await webhook("orders/paid", order)).json()).toMatchObject({ accepted: 0 });
    const { profile } = (await visitor(stack, SITE, b.vid))!;
    expect([profile.orders, profile.revenue]).toEqual([1, 94.5]);
    await new Promise((r) => setTimeout(r, (STEP_WAIT_S + 3) * 1000));
    expect(
      (await outbox(stack))
        .filter((e) => e.to.includes(payer))
        .map((e) => e.tags.find((t) => t.name === "trigger")?.value),
    ).not.toContain("cart-abandoned");
  });
});

/** The href of the email's button labelled `label` (a click-tracked link on the worker). */
function buttonHref(html: string, label: string): string {
  const m = new RegExp(`href="([^"]+)"[^>]*>[^<]*${label}`).exec(html);
  if (!m?.[1]) throw new Error(`no "${label}" button`);
  return m[1].replaceAll("&amp;", "&");
}
