// The platform mappers against payloads shaped like the platforms' documented examples
// (test/fixtures/platforms/), and the signature schemes: Shopify's and WooCommerce's base64
// HMAC, and Stripe's `t=…,v1=…` checked against headers made by Stripe's own library.
import { createHmac } from "node:crypto";
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import shopifyCheckout from "../../../test/fixtures/platforms/shopify-checkouts-create.json" with { type: "json" };
import shopifyCustomer from "../../../test/fixtures/platforms/shopify-customers-create.json" with { type: "json" };
import shopifyProduct from "../../../test/fixtures/platforms/shopify-products-update.json" with { type: "json" };
import wooProduct from "../../../test/fixtures/platforms/woocommerce-product-updated.json" with { type: "json" };
import shopifyOrder from "../../../test/fixtures/platforms/shopify-orders-create.json" with { type: "json" };
import stripeCompleted from "../../../test/fixtures/platforms/stripe-checkout-session-completed.json" with { type: "json" };
import stripeExpired from "../../../test/fixtures/platforms/stripe-checkout-session-expired.json" with { type: "json" };
import wooCustomer from "../../../test/fixtures/platforms/woocommerce-customer-created.json" with { type: "json" };
import wooCreated from "../../../test/fixtures/platforms/woocommerce-order-created.json" with { type: "json" };
import wooPaid from "../../../test/fixtures/platforms/woocommerce-order-updated-processing.json" with { type: "json" };
import type { PlatformOutcome } from "./common.ts";
import { shopifyEvents } from "./shopify.ts";
import { verifyBase64Hmac, verifyStripe } from "./signatures.ts";
import { fromMinorUnits, stripeEvents } from "./stripe.ts";
import { wooCommerceEvents } from "./woocommerce.ts";

const VID = "vid_0123456789abcdef";
const withVid = <T>(o: T): T =>
  JSON.parse(JSON.stringify(o).replaceAll("NUDGE_VID_PLACEHOLDER", VID)) as T;

function events(out: PlatformOutcome) {
  if (out.kind !== "events") throw new Error(`expected events, got ${JSON.stringify(out)}`);
  return out;
}

describe("Shopify", () => {
  it("orders/create is a purchase of the order's lines, in the shop's currency, for its email", () => {
    const out = events(shopifyEvents("orders/create", "wh-1", withVid(shopifyOrder)));
    expect(out.link).toEqual({ vid: VID, email: "jon@example.com" });
    const purchase = out.events.find((e) => e.name === "purchase");
    expect(purchase).toMatchObject({
      id: "shp-o-820982911946154508",
      email: "jon@example.com",
      at: Date.parse("2026-12-03T15:00:00Z"),
      data: {
        order_id: "820982911946154508",
        value: 403,
        currency: "USD",
        items: [
          { id: "808950810", name: "IPod Nano - 8GB - Pink", price: 199, quantity: 1 },
          { id: "457924702", name: "IPod Nano - 8GB - Black", price: 199, quantity: 1 },
        ],
      },
    });
    const who = out.events.find((e) => e.name === "identify");
    expect(who?.data).toEqual({ email: "jon@example.com", first_name: "Jon", last_name: "Snow" });
  });

  it("orders/paid of the same order is the same purchase id (one purchase, whatever the topic)", () => {
    const a = events(shopifyEvents("orders/create", "wh-1", shopifyOrder));
    const b = events(shopifyEvents("orders/paid", "wh-2", shopifyOrder));
    expect(a.events.map((e) => e.id)).toEqual(b.events.map((e) => e.id));
  });

  it("a cancelled order or one with no address is acknowledged and ignored", () => {
    expect(
      shopifyEvents("orders/create", "w", {
        ...shopifyOrder,
        cancelled_at: "2026-12-03T11:00:00-05:00",
      }),
    ).toEqual({ kind: "ignored", reason: "cancelled" });
    const noEmail = { ...shopifyOrder, email: null, contact_email: null, customer: null };
    expect(shopifyEvents("orders/create", "w", noEmail)).toEqual({
      kind: "ignored",
      reason: "no_email",
    });
  });

  it("checkouts/create: the checkout's lines as a cart, then a checkout with its recovery URL", () => {
    const out = events(
      shopifyEvents("checkouts/create", "b8a5f6e0-webhook", withVid(shopifyCheckout)),
    );
    expect(out.events.map((e) => e.name)).toEqual(["identify", "cart", "checkout"]);
    const [who, cart, checkout] = out.events;
    expect(who?.data).toMatchObject({
      email: "example@email.com",
      first_name: "John",
      consent: { marketing: true },
    });
    expect(cart?.data).toEqual({
      items: [{ id: "808950810", name: "IPod Nano - 8GB - Pink", price: 199, quantity: 2 }],
      currency: "USD",
    });
    expect(checkout).toMatchObject({
      id: "shp-b8a5f6e0-webhook",
      data: {
        value: 398,
        currency: "USD",
        recovery_url:
          "https://checkout.local/548380009/checkouts/123123123/recover?key=example-secret-token",
      },
    });
    expect(out.link).toEqual({ vid: VID, email: "example@email.com" });
  });

  it("a completed checkout or one without an email yet starts nothing", () => {
    expect(
      shopifyEvents("checkouts/update", "w", {
        ...shopifyCheckout,
        completed_at: "2026-12-03T10:05:00-05:00",
      }),
    ).toEqual({ kind: "ignored", reason: "completed" });
    expect(
      shopifyEvents("checkouts/create", "w", { ...shopifyCheckout, email: null, customer: null }),
    ).toEqual({ kind: "ignored", reason: "no_email" });
  });

  it("a recovery URL that is not https is refused, not linked to", () => {
    const out = shopifyEvents("checkouts/create", "w", {
      ...shopifyCheckout,
      abandoned_checkout_url: "http://checkout.local/recover",
    });
    expect(out).toMatchObject({
      kind: "invalid",
      issues: [{ path: "checkout.data.recovery_url" }],
    });
  });

  it("customers/create: identify with the marketing consent the shop holds", () => {
    const out = events(shopifyEvents("customers/create", "wh-c", shopifyCustomer));
    expect(out.events).toHaveLength(1);
    expect(out.events[0]?.data).toEqual({
      email: "bob@biller.com",
      first_name: "Bob",
      last_name: "Biller",
      consent: { marketing: true },
    });
    const unsub = { ...shopifyCustomer, email_marketing_consent: { state: "unsubscribed" } };
    expect(events(shopifyEvents("customers/update", "wh-d", unsub)).events[0]?.data).toMatchObject({
      consent: { marketing: false },
    });
    const unsaid = { ...shopifyCustomer, email_marketing_consent: { state: "not_subscribed" } };
    expect(
      events(shopifyEvents("customers/update", "wh-e", unsaid)).events[0]?.data,
    ).not.toHaveProperty("consent");
  });

  it("products/update states each variant to the catalog, exact ids from the GraphQL ids", () => {
    const out = events(
      shopifyEvents("products/update", "wh-p", shopifyProduct, "https://shop.example.com/"),
    );
    expect(out.link).toBeNull();
    expect(out.events.map((e) => e.name)).toEqual(["product_updated", "product_updated"]);
    expect(out.events.map((e) => e.data)).toEqual([
      {
        id: "642667041472713922",
        name: "Example T-Shirt - Small",
        price: 19.99,
        available: true,
        inventory: 75,
        url: "https://shop.example.com/products/example-t-shirt?variant=642667041472713922",
        category: "Shirts",
      },
      {
        id: "757650484644203962",
        name: "Example T-Shirt - Medium",
        price: 19.99,
        available: false,
        inventory: 0,
        url: "https://shop.example.com/products/example-t-shirt?variant=757650484644203962",
        category: "Shirts",
      },
    ]);
    // Selling past zero, or a draft product.
    const medium = { ...shopifyProduct.variants[1], inventory_policy: "continue" };
    const backorder = { ...shopifyProduct, variants: [medium] };
    expect(events(shopifyEvents("products/update", "w", backorder)).events[0]?.data).toMatchObject({
      available: true,
    });
    const draft = { ...shopifyProduct, status: "draft" };
    expect(
      events(shopifyEvents("products/update", "w", draft)).events.map((e) => e.data),
    ).toMatchObject([{ available: false }, { available: false }]);
    expect(shopifyEvents("products/update", "w", { title: "No variants" })).toMatchObject({
      kind: "invalid",
    });
  });

  it("other topics are acknowledged; a payload of the wrong shape is invalid", () => {
    expect(shopifyEvents("app/uninstalled", "w", {})).toEqual({
      kind: "ignored",
      reason: "unhandled_topic",
    });
    expect(shopifyEvents("orders/create", "w", { id: 1 })).toMatchObject({ kind: "invalid" });
    expect(
      shopifyEvents("orders/create", "w", { ...shopifyOrder, currency: "DOLLARS" }),
    ).toMatchObject({ kind: "invalid" });
  });
});

describe("WooCommerce", () => {
  it("order.created still pending: an abandoned checkout that links to the order's payment page", () => {
    const out = events(wooCommerceEvents("order.created", "d1", withVid(wooCreated)));
    expect(out.events.map((e) => e.name)).toEqual(["identify", "cart", "checkout"]);
    expect(out.events[1]?.data).toEqual({
      items: [
        {
          id: "93",
          name: "Woo Single #1",
          price: 18,
          quantity: 2,
          image: "https://shop.example/wp-content/uploads/2026/12/single-1.jpg",
        },
        { id: "23", name: "Ship Your Idea - Black, L", price: 18, quantity: 1 },
      ],
      currency: "EUR",
    });
    expect(out.events[2]).toMatchObject({
      at: Date.parse("2026-12-03T15:00:00Z"),
      data: { value: 64, currency: "EUR", recovery_url: wooCreated.payment_url },
    });
    expect(out.link).toEqual({ vid: VID, email: "ada@example.com" });
  });

  it("order.updated in a paid status is the purchase; other statuses are acknowledged", () => {
    const out = events(wooCommerceEvents("order.updated", "d2", wooPaid));
    const purchase = out.events.find((e) => e.name === "purchase");
    expect(purchase).toMatchObject({
      id: "woo-o-727",
      at: Date.parse("2026-12-03T15:02:00Z"),
      data: { order_id: "727", value: 64, currency: "EUR" },
    });
    expect(wooCommerceEvents("order.updated", "d3", { ...wooPaid, status: "on-hold" })).toEqual({
      kind: "ignored",
      reason: "status_on-hold",
    });
    expect(wooCommerceEvents("order.updated", "d4", wooCreated)).toEqual({
      kind: "ignored",
      reason: "status_pending",
    });
  });

  it("customer.created is an identify; product.updated states the product", () => {
    const out = events(wooCommerceEvents("customer.created", "d5", wooCustomer));
    expect(out.events[0]).toMatchObject({
      id: "woo-d5__",
      name: "identify",
      data: { email: "john.doe@example.com", first_name: "John", last_name: "Doe" },
    });
    const p = events(wooCommerceEvents("product.updated", "d6", wooProduct));
    expect(p.events[0]).toMatchObject({
      name: "product_updated",
      data: {
        id: "794",
        name: "Premium Quality",
        price: 21.99,
        available: true,
        url: "https://example.com/product/premium-quality-19/",
        image: "https://example.com/wp-content/uploads/2017/03/T_2_front-4.jpg",
        category: "Clothing",
        related: ["53", "40", "56", "479", "99"],
      },
    });
    const gone = {
      ...wooProduct,
      stock_status: "outofstock",
      manage_stock: true,
      stock_quantity: 0,
    };
    expect(events(wooCommerceEvents("product.updated", "d7", gone)).events[0]?.data).toMatchObject({
      available: false,
      inventory: 0,
    });
    expect(wooCommerceEvents("product.updated", "d8", { ...wooProduct, price: "" })).toEqual({
      kind: "ignored",
      reason: "no_price",
    });
  });
});

describe("Stripe Checkout", () => {
  it("checkout.session.completed and paid: a purchase in major units, the session as the order", () => {
    const out = events(stripeEvents(withVid(stripeCompleted)));
    expect(out.link).toEqual({ vid: VID, email: "stripe@example.com" });
    expect(out.events).toHaveLength(1);
    expect(out.events[0]).toMatchObject({
      name: "purchase",
      email: "stripe@example.com",
      at: 1764770460_000,
      data: { order_id: stripeCompleted.data.object.id, value: 21.98, currency: "USD" },
    });
  });

  it("async_payment_succeeded of the same session is the same purchase; unpaid waits for it", () => {
    const async = {
      ...stripeCompleted,
      id: "evt_async",
      type: "checkout.session.async_payment_succeeded",
    };
    expect(events(stripeEvents(async)).events[0]?.id).toBe(
      events(stripeEvents(stripeCompleted)).events[0]?.id,
    );
    const unpaid = structuredClone(stripeCompleted);
    unpaid.data.object.payment_status = "unpaid";
    expect(stripeEvents(unpaid)).toEqual({ kind: "ignored", reason: "awaiting_payment" });
  });

  it("checkout.session.expired: a checkout linking to the recovery URL", () => {
    const out = events(stripeEvents(stripeExpired));
    expect(out.events[0]).toMatchObject({
      name: "checkout",
      data: {
        value: 21.98,
        currency: "USD",
        recovery_url: "https://buy.stripe.com/r/live_asAb1724aAbBcC",
      },
    });
    const noRecovery = structuredClone(stripeExpired) as {
      data: { object: Record<string, unknown> };
    };
    noRecovery.data.object.after_expiration = null;
    expect(events(stripeEvents(noRecovery)).events[0]?.data).not.toHaveProperty("recovery_url");
  });

  it("the promotional consent Checkout collected is the marketing consent", () => {
    const optIn = structuredClone(stripeExpired) as { data: { object: Record<string, unknown> } };
    optIn.data.object.consent = { promotions: "opt_in", terms_of_service: null };
    const out = events(stripeEvents(optIn));
    expect(out.events.map((e) => e.name)).toEqual(["identify", "checkout"]);
    expect(out.events[0]?.data).toEqual({
      email: "stripe@example.com",
      consent: { marketing: true },
    });
    optIn.data.object.consent = { promotions: "opt_out" };
    expect(events(stripeEvents(optIn)).events[0]?.data).toMatchObject({
      consent: { marketing: false },
    });
  });

  it("minor units by currency: cents, whole yen, three-decimal dinars", () => {
    expect(fromMinorUnits(2198, "usd")).toBe(21.98);
    expect(fromMinorUnits(500, "JPY")).toBe(500);
    expect(fromMinorUnits(1234, "kwd")).toBe(1.234);
  });

  it("other event types are acknowledged; a non-event is invalid", () => {
    expect(stripeEvents({ ...stripeCompleted, type: "payment_intent.succeeded" })).toEqual({
      kind: "ignored",
      reason: "unhandled_type",
    });
    expect(stripeEvents({ hello: "world" })).toMatchObject({ kind: "invalid" });
  });
});

describe("signatures", () => {
  const body = JSON.stringify(shopifyOrder);
  const b64 = (secret: string, s: string) =>
    createHmac("sha256", secret).update(s).digest("base64");

  it("base64 HMAC-SHA256 of the raw body (Shopify, WooCommerce): valid, tampered, wrong key, absent", async () => {
    expect(await verifyBase64Hmac("s3cret", body, b64("s3cret", body))).toEqual({ ok: true });
    expect(await verifyBase64Hmac("s3cret", `${body} `, b64("s3cret", body))).toEqual({
      ok: false,
      reason: "bad_signature",
    });
    expect(await verifyBase64Hmac("s3cret", body, b64("other", body))).toEqual({
      ok: false,
      reason: "bad_signature",
    });
    expect(await verifyBase64Hmac("s3cret", body, null)).toEqual({
      ok: false,
      reason: "missing_signature",
    });
    expect(await verifyBase64Hmac("s3cret", body, "not base64!")).toEqual({
      ok: false,
      reason: "malformed_signature",
    });
    expect(await verifyBase64Hmac(undefined, body, b64("s3cret", body))).toEqual({
      ok: false,
      reason: "no_secret",
    });
  });

  it("Stripe-Signature as Stripe's library makes it: accepted within 5 minutes, refused outside", async () => {
    const secret = "whsec_test_secret";
    const stripe = new Stripe("sk_test_unused");
    const t = 1764770460;
    const header = stripe.webhooks.generateTestHeaderString({
      payload: body,
      secret,
      timestamp: t,
    });
    expect(await verifyStripe(secret, body, header, t * 1000 + 60_000)).toEqual({ ok: true });
    expect(await verifyStripe(secret, body, header, t * 1000 + 301_000)).toEqual({
      ok: false,
      reason: "timestamp_out_of_tolerance",
    });
    expect(await verifyStripe(secret, body, header, t * 1000 - 301_000)).toEqual({
      ok: false,
      reason: "timestamp_out_of_tolerance",
    });
    expect(await verifyStripe("whsec_other", body, header, t * 1000)).toEqual({
      ok: false,
      reason: "bad_signature",
    });
    expect(await verifyStripe(secret, `${body}x`, header, t * 1000)).toEqual({
      ok: false,
      reason: "bad_signature",
    });
    expect(await verifyStripe(secret, body, "t=abc", t * 1000)).toEqual({
      ok: false,
      reason: "malformed_signature",
    });
    // Several v1 signatures (a secret being rolled): one valid is enough.
    const rolled = `t=${t},v1=${"0".repeat(64)},${header.split(",")[1]}`;
    expect(await verifyStripe(secret, body, rolled, t * 1000)).toEqual({ ok: true });
  });
});
