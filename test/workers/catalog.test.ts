// The catalog on the real worker: pushes of each file format through the CLI's own parser and
// batching against POST /v1/catalog, emails that show the catalog's facts instead of the
// browser's, back-in-stock to who asked (once), price drops to recent viewers only, and
// recommendations from related products, categories and verified best sellers.
import { createHmac } from "node:crypto";
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { parseCatalog, type CatalogFormat } from "../../cli/catalog-parse.ts";
import { pushCatalog } from "../../cli/catalog.ts";
import { catalogStub } from "../../worker/catalog/catalog.ts";
import type { CatalogProductInput } from "../../worker/catalog/schema.ts";
import { watcherShardOf, watcherStub } from "../../worker/catalog/watchers.ts";
import csvFile from "../fixtures/catalog/products.csv?raw";
import jsonFile from "../fixtures/catalog/products.json?raw";
import rssFile from "../fixtures/catalog/merchant.xml?raw";
import shopifyProduct from "../fixtures/platforms/shopify-products-update.json";
import {
  drain,
  eventId,
  getJson,
  newVid,
  outboxTo,
  post,
  seedSite,
  SERVER_KEY,
  triggerOf,
  uniqueEmail,
  verifyAddress,
} from "./helpers.ts";

const SITE = "catalog";
const KEY = SERVER_KEY;
const AUTH = { authorization: `Bearer ${KEY}`, "content-type": "application/json" };
const DAY = 86_400_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  await seedSite(SITE, {
    frequencyCap: false,
    triggers: [
      {
        id: "cart-soon",
        on: "cart",
        if: { "cart.value": { gt: 0 } },
        cancelOn: ["purchase"],
        steps: [{ wait: "1s", template: "cart-abandoned", subject: "Your cart" }],
      },
      {
        id: "back-in-stock",
        on: "back_in_stock",
        reentry: "always",
        steps: [{ wait: "0s", template: "back-in-stock", subject: "{{ product.name }} is back" }],
      },
      {
        id: "price-drop",
        on: "price_drop",
        within: "14d",
        if: { "price_drop.percent": { gte: 10 } },
        steps: [{ wait: "0s", template: "price-drop", subject: "{{ product.name }} costs less" }],
      },
    ],
  });
});

function pushRaw(body: unknown, headers: Record<string, string> = AUTH) {
  return exports.default.fetch("http://nudge.test/v1/catalog", {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function push(products: CatalogProductInput[]) {
  const res = await pushRaw({ site: SITE, products });
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json<{
    received: number;
    changed: number;
    price_drops: number;
    back_in_stock: number;
  }>();
}

const product = (id: string, patch: Partial<CatalogProductInput> = {}): CatalogProductInput => ({
  id,
  name: `Catalog ${id}`,
  price: 30,
  currency: "EUR",
  url: `http://127.0.0.1:8080/products/${id}`,
  ...patch,
});

/** Emails to `email` for `trigger`, waiting (bounded) until there are at least `n`. */
async function emailsFor(email: string, trigger: string, n: number, ms = 10_000) {
  const end = Date.now() + ms;
  for (;;) {
    const got = (await outboxTo(email)).filter((e) => triggerOf(e) === trigger);
    if (got.length >= n || Date.now() > end) return got;
    await sleep(100);
  }
}

/** A visitor with a verified address (the catalog triggers write only to verified ones). */
async function shopper(tag: string) {
  const email = uniqueEmail(tag);
  const vid = newVid();
  await verifyAddress(SITE, email, vid);
  return { email, vid };
}

async function send(vid: string, events: { name: string; data: unknown }[]) {
  const res = await post({ site: SITE, vid, events: events.map((e) => ({ id: eventId(), ...e })) });
  expect(res.status).toBe(202);
}

describe("POST /v1/catalog", () => {
  it("needs the server key, a known site and valid products, and stores nothing otherwise", async () => {
    const ok = { site: SITE, products: [product("route-a")] };
    expect((await pushRaw(ok, { "content-type": "application/json" })).status).toBe(401);
    expect((await pushRaw({ ...ok, site: "nope" })).status).toBe(404);
    const bad = await pushRaw({
      site: SITE,
      products: [product("route-b"), { id: "route-c", name: "C", price: -1 }],
    });
    expect(bad.status).toBe(400);
    const body = await bad.json<{ error: string; issues: { path: string; message: string }[] }>();
    expect(body.error).toBe("invalid_batch");
    expect(body.issues[0]?.path).toBe("products[1].price");
    expect(await catalogStub(env, SITE).lookup(["route-b", "route-c"])).toEqual({});
    expect(await push([product("route-a")])).toMatchObject({ received: 1, changed: 1 });
    // Restating it unchanged changes nothing.
    expect(await push([product("route-a")])).toMatchObject({ received: 1, changed: 0 });
  });

  it.each<[CatalogFormat, string]>([
    ["json", jsonFile],
    ["csv", csvFile],
    ["rss", rssFile],
  ])("stores a %s file pushed through the CLI's batching", async (format, text) => {
    const site = `catalog-${format}`;
    await seedSite(site);
    const parsed = parseCatalog(text, format);
    expect(parsed.errors).toEqual([]);
    const r = await pushCatalog({
      url: new URL("http://nudge.test/v1/catalog"),
      key: KEY,
      site,
      products: parsed.products,
      batchSize: 2,
      fetch: (input, init) => exports.default.fetch(input as string, init),
      sleep: async () => {},
    });
    expect(r.ok).toBe(true);
    const stored = await catalogStub(env, site).lookup(parsed.products.map((p) => p.id));
    expect(Object.keys(stored).sort()).toEqual(parsed.products.map((p) => p.id).sort());
    for (const p of parsed.products) expect(stored[p.id]).toEqual(p);
    expect(Object.values(stored).some((p) => !p.available)).toBe(true);
  });
});

describe("emails tell the catalog's truth", () => {
  it("a cart email shows the catalog's name and current price, not the browser's", async () => {
    const { email, vid } = await shopper("truth");
    await push([
      product("truth-lamp", { price: 80, name: "Brass desk lamp", related: ["truth-shade"] }),
      product("truth-shade", { price: 15, name: "Linen lamp shade" }),
    ]);
    await send(vid, [
      {
        name: "cart",
        data: {
          currency: "EUR",
          items: [{ id: "truth-lamp", name: "FREE LAMP click here", price: 1, quantity: 2 }],
        },
      },
    ]);
    await push([product("truth-lamp", { price: 64, name: "Brass desk lamp" })]);
    await sleep(1200);
    await drain(SITE, vid);
    const [mail] = await emailsFor(email, "cart-soon", 1);
    expect(mail?.html).toContain("Brass desk lamp");
    expect(mail?.text).toContain("Brass desk lamp × 2: €128.00"); // 2 × the catalog's price
    // Its related product, suggested from the catalog.
    expect(mail?.html).toContain("You might also like");
    expect(mail?.text).toContain("Linen lamp shade");
    expect(mail?.html).not.toContain("FREE LAMP");
    expect(mail?.html).not.toMatch(/€[12]\.00/);
  });

  it("a product the catalog says is gone is marked, never priced as buyable", async () => {
    const { email, vid } = await shopper("gone");
    await push([product("gone-vase", { price: 40 }), product("gone-bowl", { price: 10 })]);
    await send(vid, [
      {
        name: "cart",
        data: {
          currency: "EUR",
          items: [
            { id: "gone-vase", name: "Vase", price: 40, quantity: 1 },
            { id: "gone-bowl", name: "Bowl", price: 10, quantity: 1 },
          ],
        },
      },
    ]);
    await push([product("gone-vase", { price: 40, available: false })]);
    await sleep(1200);
    await drain(SITE, vid);
    const [mail] = await emailsFor(email, "cart-soon", 1);
    expect(mail?.text).toMatch(/sold out|no longer available/i);
    expect(mail?.html).toContain("€10.00"); // the subtotal counts what can still be bought
    expect(mail?.html).not.toContain("€50.00");
  });
});

describe("back in stock", () => {
  it("tells who asked once when the product returns, and not again on a second flip", async () => {
    const a = await shopper("bis-a");
    const b = await shopper("bis-b");
    const bystander = await shopper("bis-c");
    await push([product("bis-boots", { available: false, price: 120, name: "Trail boots" })]);
    await send(a.vid, [{ name: "notify", data: { product: "bis-boots" } }]);
    await send(b.vid, [{ name: "notify", data: { product: "bis-boots" } }]);
    await send(bystander.vid, [
      { name: "product", data: { id: "bis-boots", name: "Trail boots" } },
    ]);
    const waiting = async () => {
      const res = await getJson(`/admin/api/catalog/${SITE}/products/bis-boots`);
      expect(res.status).toBe(200);
      return res.json<{ product: { available: boolean }; watchers: number; fanouts: number }>();
    };
    expect(await waiting()).toMatchObject({ product: { available: false }, watchers: 2 });

    expect(
      await push([product("bis-boots", { available: true, price: 120, name: "Trail boots" })]),
    ).toMatchObject({
      back_in_stock: 1,
    });
    const [toA] = await emailsFor(a.email, "back-in-stock", 1);
    const [toB] = await emailsFor(b.email, "back-in-stock", 1);
    expect(toA?.subject).toBe("Trail boots is back");
    expect(toB?.html).toContain("€120.00");
    // Out and back in again: the requests were used up, nobody hears twice.
    await push([product("bis-boots", { available: false, price: 120, name: "Trail boots" })]);
    await push([product("bis-boots", { available: true, price: 120, name: "Trail boots" })]);
    await sleep(1500);
    expect(await emailsFor(a.email, "back-in-stock", 2, 0)).toHaveLength(1);
    expect(await emailsFor(b.email, "back-in-stock", 2, 0)).toHaveLength(1);
    expect(await emailsFor(bystander.email, "back-in-stock", 1, 0)).toHaveLength(0);
    expect(await waiting()).toMatchObject({
      product: { available: true },
      watchers: 0,
      fanouts: 0,
    });
    const counts = await getJson(`/admin/api/catalog?site=${SITE}`);
    expect(await counts.json()).toMatchObject({ pending: 0 });
  });

  it("reaches every watcher when a shard has more than one batch of them", async () => {
    // Visitors of one shard, more than one batch of them (100 a run): the cursor carries over.
    const n = 130;
    const vids: string[] = [];
    while (vids.length < n) {
      const vid = newVid();
      if (watcherShardOf(vid) === 0) vids.push(vid);
    }
    await push([product("bis-many", { available: false })]);
    for (let i = 0; i < n; i += 100) {
      const res = await exports.default.fetch("http://nudge.test/v1/events", {
        method: "POST",
        headers: AUTH,
        body: JSON.stringify({
          site: SITE,
          events: vids.slice(i, i + 100).map((vid) => ({
            id: eventId(),
            name: "notify",
            vid,
            data: { product: "bis-many" },
          })),
        }),
      });
      expect(res.status).toBe(202);
    }
    await push([product("bis-many", { available: true })]);
    const end = Date.now() + 60_000;
    let left = { watchers: n, fanouts: 1 };
    while ((left.watchers || left.fanouts) && Date.now() < end) {
      await sleep(200);
      left = await (await getJson(`/admin/api/catalog/${SITE}/products/bis-many`)).json();
    }
    expect(left).toMatchObject({ watchers: 0, fanouts: 0 });
    const told = await Promise.all(
      vids.map(async (vid) => {
        const stub = env.VISITORS.get(env.VISITORS.idFromName(`${SITE}:${vid}`));
        const snap = (await stub.snapshot()) as unknown as { profile: { recentIds: string[] } };
        return snap.profile.recentIds.filter((id) => id.startsWith("bis-")).length;
      }),
    );
    expect(told.filter((t) => t !== 1)).toEqual([]);
  }, 150_000);

  it("a signed Shopify products/update turns a variant back in stock for who asked", async () => {
    const a = await shopper("bis-shopify");
    const variant = "642667041472713922";
    await push([
      product(variant, { available: false, price: 19.99, name: "Example T-Shirt - Small" }),
    ]);
    await send(a.vid, [{ name: "notify", data: { product: variant } }]);
    const body = JSON.stringify(shopifyProduct);
    const res = await exports.default.fetch(`http://nudge.test/webhooks/shopify/${SITE}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-shopify-topic": "products/update",
        "x-shopify-webhook-id": eventId(),
        "x-shopify-hmac-sha256": createHmac("sha256", "test-shopify-secret")
          .update(body)
          .digest("base64"),
      },
      body,
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const [mail] = await emailsFor(a.email, "back-in-stock", 1);
    expect(mail?.subject).toBe("Example T-Shirt - Small is back");
    const stored = await catalogStub(env, SITE).lookup([variant, "757650484644203962"]);
    expect(stored[variant]).toMatchObject({ available: true, inventory: 75 });
    expect(stored["757650484644203962"]).toMatchObject({ available: false, inventory: 0 });
  });

  it("a notify with an address from the browser names the person", async () => {
    const vid = newVid();
    const email = uniqueEmail("bis-browser");
    await send(vid, [{ name: "notify", data: { product: "bis-hat", email } }]);
    const stub = env.VISITORS.get(env.VISITORS.idFromName(`${SITE}:${vid}`));
    const snap = (await stub.snapshot()) as unknown as {
      profile: { email: string; verified: boolean };
    };
    expect(snap?.profile.email).toBe(email);
    expect(snap?.profile.verified).toBe(false);
  });
});

describe("price drop", () => {
  it("an anonymous view costs no watcher write; identifying registers it, and the drop reaches them", async () => {
    const vid = newVid();
    const email = uniqueEmail("pd-later");
    await push([product("pd-lamp", { price: 80, name: "Brass lamp" })]);
    await send(vid, [{ name: "product", data: { id: "pd-lamp", name: "Brass lamp", price: 80 } }]);
    const shard = watcherStub(env, SITE, "pd-lamp", watcherShardOf(vid));
    expect(await shard.counts()).toMatchObject({ viewers: 0 });
    await verifyAddress(SITE, email, vid);
    expect(await shard.counts()).toMatchObject({ viewers: 1 });
    expect(await push([product("pd-lamp", { price: 60, name: "Brass lamp" })])).toMatchObject({
      price_drops: 1,
    });
    const [mail] = await emailsFor(email, "price-drop", 1);
    expect(mail?.subject).toBe("Brass lamp costs less");
  });

  it("reaches a recent viewer of a 20 % drop, not one who looked 30 days ago, and not a 5 % drop", async () => {
    const recent = await shopper("pd-recent");
    const old = await shopper("pd-old");
    await push([product("pd-chair", { price: 200, name: "Oak chair" })]);
    await send(recent.vid, [
      { name: "product", data: { id: "pd-chair", name: "Oak chair", price: 200 } },
    ]);
    // The old view, as the store's backend reports history.
    const res = await exports.default.fetch("http://nudge.test/v1/events", {
      method: "POST",
      headers: AUTH,
      body: JSON.stringify({
        site: SITE,
        events: [
          {
            id: eventId(),
            name: "product",
            vid: old.vid,
            at: Date.now() - 30 * DAY,
            data: { id: "pd-chair", name: "Oak chair", price: 200 },
          },
        ],
      }),
    });
    expect(res.status).toBe(202);

    expect(await push([product("pd-chair", { price: 190, name: "Oak chair" })])).toMatchObject({
      price_drops: 1,
    });
    await sleep(1000);
    expect(await emailsFor(recent.email, "price-drop", 1, 0)).toHaveLength(0); // 5 %: below the trigger's 10

    expect(await push([product("pd-chair", { price: 152, name: "Oak chair" })])).toMatchObject({
      price_drops: 1,
    });
    const [mail] = await emailsFor(recent.email, "price-drop", 1);
    expect(mail?.subject).toBe("Oak chair costs less");
    expect(mail?.text).toContain("€190.00");
    expect(mail?.text).toContain("€152.00");
    expect(mail?.text).toContain("20%");
    await sleep(500);
    expect(await emailsFor(old.email, "price-drop", 1, 0)).toHaveLength(0);
  });
});

describe("recommendations", () => {
  it("related products first, then the same category, then verified best sellers; never the cart's or sold out", async () => {
    const site = "catalog-recs";
    await seedSite(site);
    const stub = catalogStub(env, site);
    const res = await exports.default.fetch("http://nudge.test/v1/catalog", {
      method: "POST",
      headers: AUTH,
      body: JSON.stringify({
        site,
        products: [
          product("r-tee", { category: "shirts", related: ["r-cap", "r-gone"] }),
          product("r-cap", { category: "hats" }),
          product("r-gone", { category: "hats", available: false }),
          product("r-polo", { category: "shirts" }),
          product("r-shirt", { category: "shirts" }),
          product("r-mug", { category: "home" }),
          product("r-pan", { category: "home" }),
        ],
      }),
    });
    expect(res.status).toBe(200);
    // A verified order makes the pan a best seller (counted once however often it is reported).
    const order = {
      id: eventId(),
      name: "purchase",
      email: uniqueEmail("recs"),
      data: {
        order_id: "R-1",
        value: 60,
        currency: "EUR",
        items: [{ id: "r-pan", name: "Pan", price: 30, quantity: 2 }],
      },
    };
    for (const id of [order.id, eventId()]) {
      const r = await exports.default.fetch("http://nudge.test/v1/events", {
        method: "POST",
        headers: AUTH,
        body: JSON.stringify({ site, events: [{ ...order, id }] }),
      });
      expect(r.status).toBe(202);
    }
    const ids = (ps: { id: string }[]) => ps.map((p) => p.id);
    expect(ids(await stub.recommend(["r-tee"], ["r-tee"], 3))).toEqual([
      "r-cap",
      "r-polo",
      "r-shirt",
    ]);
    expect(ids(await stub.recommend(["r-tee"], ["r-tee", "r-polo"], 3))).toEqual([
      "r-cap",
      "r-shirt",
      "r-pan",
    ]);
    expect(ids(await stub.recommend([], [], 2))).toEqual(["r-pan", "r-cap"]);
  });
});
