// POST /e in workerd: acceptance, validation, dedupe, origin, site, size and rate limits.
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { clearConfigCache } from "../../worker/config/load.ts";
import { ADMIN, ORIGIN, eventId, getJson, newVid, post, seedSite } from "./helpers.ts";

const SITE = "ingest";

beforeAll(async () => {
  await seedSite(SITE);
});

function batch(vid: string, events: unknown[], extra: Record<string, unknown> = {}) {
  return { site: SITE, vid, tz: "Europe/Paris", events, ...extra };
}

const page = () => ({ id: eventId(), name: "page", url: `${ORIGIN}/`, data: { title: "Home" } });
const product = () => ({
  id: eventId(),
  name: "product",
  url: `${ORIGIN}/p/mug`,
  data: { id: "mug", name: "Mug", price: "12.50", currency: "eur" },
});

async function visitor(vid: string, site = SITE) {
  const res = await getJson(`/admin/api/visitors/${site}/${vid}`);
  return { status: res.status, body: res.status === 200 ? await res.json<VisitorBody>() : null };
}

interface VisitorBody {
  profile: {
    pageViews: number;
    tz: string | null;
    email: string | null;
    products: { id: string; price: number; currency: string }[];
    cart: { value: number; count: number; currency: string; items: unknown[] };
    recentIds: string[];
  };
}

describe("POST /e", () => {
  it("accepts a valid batch and stores it in the visitor's object", async () => {
    const vid = newVid();
    const cart = {
      id: eventId(),
      name: "cart",
      data: {
        currency: "EUR",
        items: [
          { id: "mug", name: "Mug", price: 12.5, quantity: 2 },
          { id: "tee", name: "Tee", price: 20, quantity: 1 },
        ],
      },
    };
    const res = await post(batch(vid, [page(), product(), cart]));
    expect(res.status).toBe(202);
    expect(res.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(await res.json()).toMatchObject({ accepted: 3, duplicates: 0 });

    const { status, body } = await visitor(vid);
    expect(status).toBe(200);
    expect(body?.profile.pageViews).toBe(1);
    expect(body?.profile.tz).toBe("Europe/Paris");
    expect(body?.profile.products[0]).toMatchObject({ id: "mug", price: 12.5, currency: "EUR" });
    expect(body?.profile.cart).toMatchObject({ value: 45, count: 3, currency: "EUR" });
  });

  it("takes a cart's item URLs absolute, or relative to the event's page, and stores them absolute", async () => {
    const item = (id: string, url: string, image: string | null) => ({
      id,
      name: id,
      price: 10,
      quantity: 1,
      url,
      image,
    });
    const vid = newVid();
    const cart = {
      id: eventId(),
      name: "cart",
      url: `${ORIGIN}/en/cart?email=a%40b.c`,
      data: {
        currency: "EUR",
        items: [
          item("abs", `${ORIGIN}/products/abs`, "https://cdn.example/abs.jpg"),
          item("rel", "/products/rel?variant=1", "//cdn.example/rel.jpg"),
          item("none", "/products/none", null),
        ],
      },
    };
    const res = await post(batch(vid, [cart]));
    expect(res.status).toBe(202);
    const { body } = await visitor(vid);
    expect(body?.profile.cart.items).toEqual([
      item("abs", `${ORIGIN}/products/abs`, "https://cdn.example/abs.jpg"),
      item("rel", `${ORIGIN}/products/rel?variant=1`, "http://cdn.example/rel.jpg"), // the page is http
      { id: "none", name: "none", price: 10, quantity: 1, url: `${ORIGIN}/products/none` },
    ]);
    // Relative with no page URL to resolve against: the batch is invalid, nothing is stored.
    const other = newVid();
    const bad = await post(batch(other, [{ ...cart, id: eventId(), url: undefined }]));
    expect(bad.status).toBe(400);
    expect((await visitor(other)).status).toBe(404);
  });

  it("drops a JSON-LD product view with no usable Product on its own, and stores the rest", async () => {
    const ld = (text: string) => ({
      id: eventId(),
      name: "product",
      url: `${ORIGIN}/p/mug`,
      data: { ld: [text] },
    });
    const vid = newVid();
    const usable = ld('{"@type":"Product","sku":"tote","name":"Tote","offers":{"price":"45"}}');
    const none = ld('{"@type":"Product","description":"no id, no name"}');
    const res = await post(batch(vid, [page(), none, usable, product()]));
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 3, duplicates: 0 });
    const { body } = await visitor(vid);
    expect(body?.profile.pageViews).toBe(1);
    expect(body?.profile.products.map((p) => p.id).sort()).toEqual(["mug", "tote"]);
    // Alone in its batch (as the snippet used to send it), the batch is still a 400.
    const other = newVid();
    expect((await post(batch(other, [ld("{")]))).status).toBe(400);
    expect((await visitor(other)).status).toBe(404);
    // An explicit product stays as strict as before: a bad one rejects the batch.
    const bad = { id: eventId(), name: "product", data: { name: "Mug", price: 1 } };
    expect((await post(batch(newVid(), [page(), bad]))).status).toBe(400);
  });

  it("takes a batch without an email link's token as t: null (the snippet's shape) or no t", async () => {
    for (const extra of [{ t: null }, {}]) {
      const vid = newVid();
      expect((await post(batch(vid, [page()], extra))).status).toBe(202);
      expect((await visitor(vid)).body?.profile.pageViews).toBe(1);
    }
    expect((await post(batch(newVid(), [page()], { t: 1 }))).status).toBe(400);
  });

  it("accepts application/json bodies too", async () => {
    const vid = newVid();
    const res = await post(batch(vid, [page()]), { "content-type": "application/json" });
    expect(res.status).toBe(202);
  });

  it("stores a retried event once (event ids are deduplicated)", async () => {
    const vid = newVid();
    const events = [page(), product()];
    expect((await post(batch(vid, events))).status).toBe(202);
    const again = await post(batch(vid, [...events, page()]));
    expect(await again.json()).toMatchObject({ accepted: 1, duplicates: 2 });
    const { body } = await visitor(vid);
    expect(body?.profile.pageViews).toBe(2);
    expect(body?.profile.recentIds).toHaveLength(3);
  });

  it("accepts a form_submit with data-nudge-field fields, dropping what it cannot use", async () => {
    const vid = newVid();
    const submit = {
      id: eventId(),
      name: "form_submit",
      url: `${ORIGIN}/signup`,
      data: {
        form: "signup",
        email: "Ada@Example.com",
        fields: { plan: "pro", newsletter: "yes", "first name": "Ada", note: "x".repeat(900) },
      },
    };
    const res = await post(batch(vid, [page(), submit]));
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 2, duplicates: 0 });
    const { body } = await visitor(vid);
    expect(body?.profile.email).toBe("ada@example.com");
  });

  it("accepts a long page URL from the snippet and stores it cut to 2,048 characters", async () => {
    const vid = newVid();
    const long = `${ORIGIN}/signup?utm_content=${"x".repeat(5000)}&email=ada%40example.com#t`;
    const start = { id: eventId(), name: "form_start", url: long, data: { form: "signup" } };
    const res = await post(batch(vid, [start]));
    expect(res.status).toBe(202);
    // The form-abandoned episode remembers the event it started from, URL included.
    const state = await (await getJson(`/admin/api/visitors/${SITE}/${vid}`)).text();
    const urls = [...state.matchAll(/"url":"([^"]*)"/g)].map((m) => m[1]);
    expect(urls).toEqual([`${ORIGIN}/signup?utm_content=${"x".repeat(5000)}`.slice(0, 2048)]);
  });

  it("rejects a page URL over 8,192 characters with 400, naming the field", async () => {
    const vid = newVid();
    const url = `${ORIGIN}/signup?utm_content=${"x".repeat(8200)}`;
    const res = await post(batch(vid, [page(), { ...page(), url }]));
    expect(res.status).toBe(400);
    const body = await res.json<{ error: string; issues: { path: string }[] }>();
    expect(body.error).toBe("invalid_batch");
    expect(body.issues.map((i) => i.path)).toEqual(["events[1].url"]);
    expect((await visitor(vid)).status).toBe(404);
  });

  const id = () => eventId();
  const invalid: [string, (vid: string) => unknown][] = [
    ["not JSON", () => "{nope"],
    ["a JSON array", () => []],
    ["no site", (vid) => ({ vid, events: [page()] })],
    ["an upper-case site id", (vid) => ({ ...batch(vid, [page()]), site: "Shop!" })],
    ["a short visitor id", () => batch("abc", [page()])],
    ["no events", (vid) => batch(vid, [])],
    ["too many events", (vid) => batch(vid, Array.from({ length: 51 }, page))],
    ["an unknown event name", (vid) => batch(vid, [{ id: id(), name: "hack", data: {} }])],
    ["a bad event id", (vid) => batch(vid, [{ ...page(), id: "x" }])],
    [
      "a product without id",
      (vid) => batch(vid, [{ id: id(), name: "product", data: { name: "Mug", price: 1 } }]),
    ],
    [
      "a negative price",
      (vid) => batch(vid, [{ id: id(), name: "product", data: { id: "a", name: "A", price: -1 } }]),
    ],
    [
      "a cart item with quantity 0",
      (vid) =>
        batch(vid, [
          {
            id: id(),
            name: "cart",
            data: { items: [{ id: "a", name: "A", price: 1, quantity: 0 }] },
          },
        ]),
    ],
    [
      "a purchase without currency",
      (vid) => batch(vid, [{ id: id(), name: "purchase", data: { order_id: "1", value: 10 } }]),
    ],
    [
      "an identify with a bad email",
      (vid) => batch(vid, [{ id: id(), name: "identify", data: { email: "not-an-email" } }]),
    ],
    [
      "a nested trait",
      (vid) => batch(vid, [{ id: id(), name: "identify", data: { email: "a@b.co", x: { y: 1 } } }]),
    ],
    [
      "a server-side event name from the browser",
      (vid) => batch(vid, [{ id: id(), name: "track", event: "email_click", data: {} }]),
    ],
    ["a javascript: URL", (vid) => batch(vid, [{ ...page(), url: "javascript:alert(1)" }])],
    ["a consent without a boolean", (vid) => batch(vid, [{ id: id(), name: "consent", data: {} }])],
  ];

  it.each(invalid)("rejects %s with 400 and stores nothing", async (_name, make) => {
    const vid = newVid();
    const res = await post(make(vid));
    expect(res.status).toBe(400);
    const body = await res.json<{ error: string; issues?: { path: string; message: string }[] }>();
    expect(body.error).toMatch(/^invalid_(json|batch)$/);
    if (body.error === "invalid_batch") expect(body.issues?.length).toBeGreaterThan(0);
    expect((await visitor(vid)).status).toBe(404);
  });

  it("rejects one bad event without storing the good ones beside it", async () => {
    const vid = newVid();
    const res = await post(batch(vid, [page(), { ...product(), data: { id: "x" } }]));
    expect(res.status).toBe(400);
    const body = await res.json<{ issues: { path: string }[] }>();
    expect(body.issues[0]?.path).toMatch(/^events\[1\]\.data/);
    expect((await visitor(vid)).status).toBe(404);
  });

  it("rejects a foreign origin with 403", async () => {
    const vid = newVid();
    const res = await post(batch(vid, [page()]), { origin: "https://evil.example" });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: "origin_not_allowed" });
    expect((await visitor(vid)).status).toBe(404);
  });

  it("accepts the Referer's origin when Origin is absent, and rejects neither", async () => {
    const ok = await exports.default.fetch("http://nudge.test/e", {
      method: "POST",
      headers: { "content-type": "text/plain", referer: `${ORIGIN}/cart` },
      body: JSON.stringify(batch(newVid(), [page()])),
    });
    expect(ok.status).toBe(202);
    const none = await exports.default.fetch("http://nudge.test/e", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify(batch(newVid(), [page()])),
    });
    expect(none.status).toBe(403);
  });

  it("rejects an unknown site with 403", async () => {
    const res = await post({ ...batch(newVid(), [page()]), site: "nosuchsite" });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: "unknown_site" });
  });

  it("rejects bodies over 64 KiB with 413", async () => {
    const vid = newVid();
    const big = JSON.stringify(batch(vid, [{ ...page(), data: { title: "x".repeat(70_000) } }]));
    const res = await post(big);
    expect(res.status).toBe(413);
    expect((await visitor(vid)).status).toBe(404);
  });

  it("rejects other content types with 415", async () => {
    const res = await post(batch(newVid(), [page()]), { "content-type": "application/xml" });
    expect(res.status).toBe(415);
  });

  // Up to 260 requests one after another: allow for a loaded machine.
  it(
    "rate limits one visitor with 429 while other visitors on the same IP go through",
    { timeout: 30_000 },
    async () => {
      const vid = newVid();
      const statuses: number[] = [];
      // The limiter counts in fixed 60 s windows: a run that straddles a boundary gets a fresh
      // allowance, so allow for up to two windows' worth before expecting the 429.
      for (let i = 0; i < 260 && !statuses.includes(429); i++) {
        statuses.push(
          (await post(batch(vid, [page()]), { "cf-connecting-ip": "203.0.113.9" })).status,
        );
      }
      expect(statuses).toContain(429);
      expect(statuses.filter((s) => s === 202).length).toBeGreaterThanOrEqual(100);
      const other = await post(batch(newVid(), [page()]), { "cf-connecting-ip": "203.0.113.9" });
      expect(other.status).toBe(202);
    },
  );

  it("answers a CORS preflight for application/json", async () => {
    const res = await exports.default.fetch("http://nudge.test/e", {
      method: "OPTIONS",
      headers: { origin: ORIGIN, "access-control-request-method": "POST" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
  });
});

describe("site config from KV", () => {
  it("keeps serving the last good config when a new one is invalid", async () => {
    const site = "cfgswap";
    await seedSite(site);
    expect((await post({ ...batch(newVid(), [page()]), site })).status).toBe(202);
    await env.NUDGE_CONFIG.put(`site:${site}`, JSON.stringify({ site, triggers: "nope" }));
    clearConfigCache(); // as after the TTL: the bad document is read, the good one is kept
    // A cleared cache has no last good config, so the site becomes unavailable (503, retried).
    expect((await post({ ...batch(newVid(), [page()]), site })).status).toBe(503);
  });
});

describe("GET /admin/api/visitors/:site/:vid", () => {
  it("needs the admin token", async () => {
    const vid = newVid();
    await post(batch(vid, [page()]));
    expect((await getJson(`/admin/api/visitors/${SITE}/${vid}`, {})).status).toBe(401);
    const wrong = await getJson(`/admin/api/visitors/${SITE}/${vid}`, {
      authorization: "Bearer wrong",
    });
    expect(wrong.status).toBe(401);
    expect((await getJson(`/admin/api/visitors/${SITE}/${vid}`, ADMIN)).status).toBe(200);
  });

  it("rejects malformed ids and answers 404 for unknown visitors", async () => {
    expect((await getJson(`/admin/api/visitors/${SITE}/short`)).status).toBe(400);
    expect((await getJson(`/admin/api/visitors/${SITE}/${newVid()}`)).status).toBe(404);
  });
});

describe("GET /nudge.js", () => {
  it("serves the snippet cacheably with CORS and a working ETag", async () => {
    const res = await exports.default.fetch("http://nudge.test/nudge.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("javascript");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("cache-control")).toMatch(/max-age=\d+/);
    const body = await res.text();
    expect(body.length).toBeGreaterThan(0);
    const again = await exports.default.fetch("http://nudge.test/nudge.js", {
      headers: { "if-none-match": res.headers.get("etag") ?? "" },
    });
    expect(again.status).toBe(304);
  });
});
