// Platform webhooks on the real worker (Shopify, WooCommerce, Stripe Checkout), with payloads
// shaped like the platforms' documented examples (test/fixtures/platforms/) and signed the way
// each platform signs: a valid order before the step is due means no abandonment email, a bad
// signature is a 401 that stores nothing, a replay is no second purchase, and an abandoned
// checkout's email links to the checkout's own recovery URL.
import { createHmac } from "node:crypto";
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import shopifyCheckout from "../fixtures/platforms/shopify-checkouts-create.json";
import shopifyCustomer from "../fixtures/platforms/shopify-customers-create.json";
import shopifyOrder from "../fixtures/platforms/shopify-orders-create.json";
import stripeCompleted from "../fixtures/platforms/stripe-checkout-session-completed.json";
import stripeExpired from "../fixtures/platforms/stripe-checkout-session-expired.json";
import wooCreated from "../fixtures/platforms/woocommerce-order-created.json";
import wooPaid from "../fixtures/platforms/woocommerce-order-updated-processing.json";
import {
  contactPath,
  drain,
  eventId,
  getJson,
  newVid,
  ORIGIN,
  outboxTo,
  post,
  seedSite,
  triggerOf,
  uniqueEmail,
} from "./helpers.ts";

const SITE = "platforms";
const SHOPIFY = "test-shopify-secret";
const WOO = "test-woo-secret";
const STRIPE = "whsec_test_stripe_secret";

beforeAll(async () => {
  await seedSite(SITE, {
    triggers: [
      {
        id: "cart-soon",
        on: "cart",
        if: { "cart.value": { gt: 0 } },
        cancelOn: ["purchase", "checkout"],
        steps: [{ wait: "3s", template: "cart-abandoned", subject: "Cart" }],
      },
      {
        id: "checkout-soon",
        on: "checkout",
        cancelOn: ["purchase"],
        steps: [{ wait: "2s", template: "checkout-abandoned", subject: "Your order is waiting" }],
      },
      {
        id: "thank-you",
        on: "purchase",
        frequencyCap: false,
        marketing: false,
        steps: [{ wait: "0s", template: "thank-you", subject: "Thanks for your order" }],
      },
    ],
  });
});

type Json = Record<string, unknown>;
/**
 * The fixture with this test's address and visitor in place of the documented ones, and its
 * times moved to now (an event older than a day is history and starts nothing).
 */
function fixture<T extends Json>(doc: T, email: string, vid = "none", patch: Json = {}): T {
  const now = new Date().toISOString().slice(0, 19);
  const s = JSON.stringify({ ...doc, ...patch })
    .replaceAll("NUDGE_VID_PLACEHOLDER", vid)
    .replace(
      /"(jon@example\.com|example@email\.com|bob@biller\.com|ada@example\.com|stripe@example\.com)"/g,
      JSON.stringify(email),
    )
    .replace(/"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(-05:00)?"/g, (_m, offset?: string) =>
      JSON.stringify(offset ? `${now}+00:00` : now),
    )
    .replace(/"created":\d+/g, `"created":${Math.floor(Date.now() / 1000)}`);
  return JSON.parse(s) as T;
}

const b64 = (secret: string, body: string) =>
  createHmac("sha256", secret).update(body).digest("base64");

function shopify(
  topic: string,
  body: string,
  opts: { secret?: string; id?: string; sig?: string | null } = {},
) {
  const sig = opts.sig === undefined ? b64(opts.secret ?? SHOPIFY, body) : opts.sig;
  return exports.default.fetch(`http://nudge.test/webhooks/shopify/${SITE}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-shopify-topic": topic,
      "x-shopify-webhook-id": opts.id ?? crypto.randomUUID(),
      "x-shopify-shop-domain": "nudge-test.myshopify.com",
      ...(sig === null ? {} : { "x-shopify-hmac-sha256": sig }),
    },
    body,
  });
}

function woo(topic: string, body: string, opts: { secret?: string; id?: string } = {}) {
  return exports.default.fetch(`http://nudge.test/webhooks/woocommerce/${SITE}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-wc-webhook-topic": topic,
      "x-wc-webhook-delivery-id": opts.id ?? eventId(),
      "x-wc-webhook-source": "https://shop.example/",
      "x-wc-webhook-signature": b64(opts.secret ?? WOO, body),
    },
    body,
  });
}

function stripe(body: string, opts: { secret?: string; t?: number } = {}) {
  const t = opts.t ?? Math.floor(Date.now() / 1000);
  const v1 = createHmac("sha256", opts.secret ?? STRIPE)
    .update(`${t}.${body}`)
    .digest("hex");
  return exports.default.fetch(`http://nudge.test/webhooks/stripe/${SITE}`, {
    method: "POST",
    headers: { "content-type": "application/json", "stripe-signature": `t=${t},v1=${v1}` },
    body,
  });
}

async function visitor(vid: string) {
  const res = await getJson(`/admin/api/visitors/${SITE}/${vid}`);
  return res.json<{
    engine: { episodes: Record<string, unknown> };
    profile: { email: string | null; verified?: boolean; orders: number; revenue: number };
  }>();
}

/** Polls the dev outbox (bounded) until `email` has a mail of `trigger`. */
async function mailOf(email: string, trigger: string, ms = 15_000) {
  const end = Date.now() + ms;
  for (;;) {
    const found = (await outboxTo(email)).find((m) => triggerOf(m) === trigger);
    if (found) return found;
    if (Date.now() > end) throw new Error(`no ${trigger} mail to ${email}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Where the email's button goes: its click-tracked link, followed one hop. */
async function buttonTarget(html: string, label: string): Promise<string | null> {
  const m = new RegExp(`href="([^"]+)"[^>]*>[^<]*${label}`).exec(html);
  if (!m?.[1]) throw new Error(`no ${label} button`);
  // Links point at the worker the events reached (not a fallback host), whichever device sent.
  expect(m[1].startsWith("http://nudge.test/c/"), m[1]).toBe(true);
  const res = await exports.default.fetch(m[1].replaceAll("&amp;", "&"), { redirect: "manual" });
  return res.headers.get("location");
}

const cart = () => ({
  id: eventId(),
  name: "cart",
  data: {
    items: [{ id: "808950810", name: "IPod Nano", price: 199, quantity: 2 }],
    currency: "USD",
  },
});

describe("Shopify", () => {
  it("a bad, missing or wrongly keyed signature is a 401 and stores nothing", async () => {
    const email = uniqueEmail("shp-bad");
    const body = JSON.stringify(fixture(shopifyOrder, email));
    for (const sig of [null, "", b64("wrong-secret", body), b64(SHOPIFY, `${body} `), "%%%"]) {
      const res = await shopify("orders/create", body, { sig });
      expect(res.status, String(sig)).toBe(401);
    }
    expect((await getJson(await contactPath(SITE, email))).status).toBe(404);
  }, 30_000);

  it("a signed orders/create before the step is due: no abandonment email, one purchase, replays are duplicates", async () => {
    const email = uniqueEmail("shp-order");
    const vid = newVid();
    await post({
      site: SITE,
      vid,
      events: [{ id: eventId(), name: "identify", data: { email } }, cart()],
    });
    expect(Object.keys((await visitor(vid)).engine.episodes)).toContain("cart-soon");

    const order = JSON.stringify(fixture(shopifyOrder, email));
    const webhookId = crypto.randomUUID();
    const res = await shopify("orders/create", order, { id: webhookId });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, accepted: 2, duplicates: 0 });
    expect(Object.keys((await visitor(vid)).engine.episodes)).not.toContain("cart-soon");
    // The same delivery again, and orders/paid of the same order: nothing new.
    expect(await (await shopify("orders/create", order, { id: webhookId })).json()).toEqual({
      ok: true,
      accepted: 0,
      duplicates: 2,
    });
    expect(await (await shopify("orders/paid", order)).json()).toEqual({
      ok: true,
      accepted: 0,
      duplicates: 2,
    });
    const { profile } = await visitor(vid);
    expect([profile.orders, profile.revenue]).toEqual([1, 403]);

    await new Promise((r) => setTimeout(r, 3300));
    await drain(SITE, vid);
    const mails = (await outboxTo(email)).map(triggerOf);
    expect(mails).not.toContain("cart-soon");
    expect(mails.filter((t) => t === "thank-you")).toHaveLength(1);
  }, 30_000);

  it("checkouts/create ties the typed address to the anonymous browser and its email links to the recovery URL", async () => {
    const email = uniqueEmail("shp-checkout");
    const vid = newVid();
    // Anonymous: the tag saw a cart, never an address (it is typed inside Shopify's checkout).
    await post({ site: SITE, vid, events: [cart()] });
    expect((await visitor(vid)).profile.email).toBeNull();
    const res = await shopify(
      "checkouts/create",
      JSON.stringify(fixture(shopifyCheckout, email, vid)),
    );
    expect(res.status).toBe(200);
    const v = await visitor(vid);
    expect(v.profile.email).toBe(email);
    expect(v.profile.verified).toBe(true);
    // The checkout supersedes the cart: one email, the checkout's.
    expect(Object.keys(v.engine.episodes)).toEqual(["checkout-soon"]);
    const mail = await mailOf(email, "checkout-soon");
    expect(mail.subject).toBe("Your order is waiting");
    expect(mail.text).toContain("IPod Nano - 8GB - Pink × 2: $398.00");
    expect(mail.text).toContain("Total: $398.00");
    expect(mail.html).toContain("Hi John");
    expect(await buttonTarget(mail.html, "Complete your order")).toBe(
      shopifyCheckout.abandoned_checkout_url,
    );
    await new Promise((r) => setTimeout(r, 3300));
    await drain(SITE, vid);
    expect((await outboxTo(email)).map(triggerOf)).toEqual(["checkout-soon"]);
  }, 30_000);

  it("with platform shopify, the cart email's button is a Shopify cart permalink", async () => {
    await seedSite("shopify-shop", {
      platform: "shopify",
      triggers: [
        {
          id: "cart-soon",
          on: "cart",
          steps: [{ wait: "1s", template: "cart-abandoned", subject: "Cart" }],
        },
      ],
    });
    const email = uniqueEmail("shp-permalink");
    const vid = newVid();
    const items = [
      { id: "808950810", name: "IPod Nano - Pink", price: 199, quantity: 2 },
      { id: "457924702", name: "IPod Nano - Black", price: 199, quantity: 1 },
    ];
    await post({
      site: "shopify-shop",
      vid,
      events: [
        { id: eventId(), name: "identify", data: { email } },
        { id: eventId(), name: "cart", data: { items, currency: "USD" } },
      ],
    });
    const mail = await mailOf(email, "cart-soon");
    const target = new URL((await buttonTarget(mail.html, "Return to your cart"))!);
    expect(`${target.origin}${target.pathname}`).toBe(`${ORIGIN}/cart/808950810:2,457924702:1`);
  }, 30_000);

  it("customers/create: a verified person with the shop's marketing consent", async () => {
    const email = uniqueEmail("shp-customer");
    const res = await shopify("customers/create", JSON.stringify(fixture(shopifyCustomer, email)));
    expect(await res.json()).toEqual({ ok: true, accepted: 1, duplicates: 0 });
    const c = await (
      await getJson(await contactPath(SITE, email))
    ).json<{ verified: { via: string } | null }>();
    expect(c.verified).toMatchObject({ via: "server" });
  }, 30_000);

  it("topics Nudge does not use are acknowledged (200) so Shopify keeps the webhook", async () => {
    const res = await shopify("app/uninstalled", JSON.stringify({ id: 1 }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, ignored: "unhandled_topic" });
    for (const [topic, body] of [
      ["orders/create", { id: 1 }],
      ["products/update", { id: 1, title: "x" }], // a product with no variants
    ] as const) {
      const bad = await shopify(topic, JSON.stringify(body));
      expect(bad.status, topic).toBe(400);
      expect(await bad.json()).toMatchObject({ error: "invalid_payload" });
    }
  }, 30_000);
});

describe("WooCommerce", () => {
  it("answers the ping WooCommerce sends when the webhook is saved", async () => {
    const res = await exports.default.fetch(`http://nudge.test/webhooks/woocommerce/${SITE}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "webhook_id=12",
    });
    expect(res.status).toBe(200);
  }, 30_000);

  it("a pending order is an abandoned checkout linking to its payment page; a bad signature stores nothing", async () => {
    const email = uniqueEmail("woo-pending");
    const body = JSON.stringify(
      fixture(wooCreated, email, "none", { id: Math.floor(Math.random() * 1e9) }),
    );
    expect((await woo("order.created", body, { secret: "wrong" })).status).toBe(401);
    expect((await getJson(await contactPath(SITE, email))).status).toBe(404);
    expect(await (await woo("order.created", body)).json()).toEqual({
      ok: true,
      accepted: 3,
      duplicates: 0,
    });
    const mail = await mailOf(email, "checkout-soon");
    expect(mail.text).toContain("Woo Single #1 × 2: €36.00");
    expect(mail.text).toContain("Total: €64.00");
    expect(await buttonTarget(mail.html, "Complete your order")).toBe(wooCreated.payment_url);
  }, 30_000);

  it("paid before the step is due: no checkout email, one purchase", async () => {
    const email = uniqueEmail("woo-paid");
    const id = Math.floor(Math.random() * 1e9);
    await woo("order.created", JSON.stringify(fixture(wooCreated, email, "none", { id })));
    const paid = JSON.stringify(fixture(wooPaid, email, "none", { id }));
    expect(
      (await (await woo("order.updated", paid)).json<{ accepted: number }>()).accepted,
    ).toBeGreaterThan(0);
    expect((await (await woo("order.updated", paid)).json<{ accepted: number }>()).accepted).toBe(
      0,
    );
    await mailOf(email, "thank-you");
    await new Promise((r) => setTimeout(r, 2500));
    expect((await outboxTo(email)).map(triggerOf)).toEqual(["thank-you"]);
  }, 30_000);
});

describe("Stripe Checkout", () => {
  it("checkout.session.completed is a purchase in major units; a replay or a stale signature adds nothing", async () => {
    const email = uniqueEmail("stripe-paid");
    const vid = newVid();
    await post({ site: SITE, vid, events: [cart()] });
    const body = JSON.stringify(fixture(stripeCompleted, email, vid, { id: `evt_${eventId()}` }));
    expect((await stripe(body, { t: Math.floor(Date.now() / 1000) - 400 })).status).toBe(401);
    expect((await stripe(body, { secret: "whsec_wrong" })).status).toBe(401);
    expect((await visitor(vid)).profile.orders).toBe(0);
    expect(await (await stripe(body)).json()).toEqual({ ok: true, accepted: 1, duplicates: 0 });
    expect(await (await stripe(body)).json()).toEqual({ ok: true, accepted: 0, duplicates: 1 });
    const { profile } = await visitor(vid);
    expect([profile.orders, profile.revenue]).toEqual([1, 21.98]);
    // client_reference_id named the browser: its cart episode is over.
    expect(Object.keys((await visitor(vid)).engine.episodes)).not.toContain("cart-soon");
  }, 30_000);

  it("checkout.session.expired: the email links to Stripe's recovery URL", async () => {
    const email = uniqueEmail("stripe-expired");
    const body = JSON.stringify(fixture(stripeExpired, email, "none", { id: `evt_${eventId()}` }));
    expect((await stripe(body)).status).toBe(200);
    const mail = await mailOf(email, "checkout-soon");
    expect(mail.text).toContain("Total: $21.98");
    expect(await buttonTarget(mail.html, "Complete your order")).toBe(
      "https://buy.stripe.com/r/live_asAb1724aAbBcC",
    );
  }, 30_000);
});
