// Payload builders and ids: every event the snippet builds is one the worker's schema accepts.
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { minimalPageUrl } from "../worker/ingest/url.ts";
import { BatchSchema, WireEventSchema, type WireEvent } from "../worker/ingest/wire.ts";
import { emit, type Name } from "./payload.ts";
import { push } from "./transport.ts";

vi.mock("./transport.ts", () => ({ push: vi.fn() }));

/** What crypto.randomUUID makes: 36 characters, inside wire.ts `id` (8–64) and `vid` (16–64). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** What `emit` queued: the event it built. */
const event = (name: Name, data?: unknown, custom?: unknown): WireEvent => {
  vi.mocked(push).mockClear();
  emit(name, data, custom);
  expect(push).toHaveBeenCalledTimes(1);
  return vi.mocked(push).mock.calls[0]![0];
};

/** The page is at `href` (a URL has every part of `location` that emit reads). */
const at = (href: string) => vi.stubGlobal("location", new URL(href));

beforeEach(() => {
  at("https://shop.example/p/tote?utm_source=x");
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe("emit", () => {
  it("builds wire events the worker accepts, each with a fresh id and the page URL", () => {
    const evs = [
      event("page"),
      event("identify", { email: "A@B.co", first_name: "Ada" }),
      event("product", { id: "p", name: "P", price: "9.50", currency: "eur" }),
      event("cart", { currency: "EUR", items: [{ id: "p", name: "P", price: 9.5, quantity: 2 }] }),
      event("checkout"),
      event("purchase", { order_id: "o1", value: 19, currency: "EUR" }),
      event("consent", { marketing: true }),
      event("form_start", { form: "newsletter" }),
      event("form_submit", { form: "newsletter", email: "x@y.co" }),
      event("track", { plan: "pro" }, "upgraded"),
      event("product", { ld: ['{"@type":"Product","sku":"s","name":"N"}'] }),
      event("notify", { product: "p", email: "x@y.co" }),
    ];
    for (const e of evs) expect(WireEventSchema.safeParse(e).success, JSON.stringify(e)).toBe(true);
    expect(evs[0]).toMatchObject({ name: "page", url: "https://shop.example/p/tote?utm_source=x" });
    expect(evs[9]).toMatchObject({ name: "track", event: "upgraded", data: { plan: "pro" } });
    expect(new Set(evs.map((e) => e.id)).size).toBe(evs.length);
    for (const e of evs) expect(e.id).toMatch(UUID);
    const batch = { site: "shop", vid: crypto.randomUUID(), tz: "Europe/Paris", events: evs };
    expect(BatchSchema.safeParse(batch).success).toBe(true);
  });

  it("copies data when called: later changes by the page do not leak in", () => {
    const cart = { currency: "EUR", items: [{ id: "a", name: "A", price: 1, quantity: 1 }] };
    const e = event("cart", cart);
    cart.items.push({ id: "b", name: "B", price: 2, quantity: 1 });
    expect((e.data as typeof cart).items).toHaveLength(1);
  });

  it("throws (for that call only) on data JSON cannot carry, and queues nothing", () => {
    vi.mocked(push).mockClear();
    expect(() => emit("product", { id: 1n })).toThrow();
    expect(push).not.toHaveBeenCalled();
  });

  it("sends a long page URL whole: the worker accepts it and cuts it to 2,048 characters", () => {
    at(`https://shop.example/?utm_content=${"x".repeat(5000)}`);
    const e = event("page");
    expect(e.url).toBe(`https://shop.example/?utm_content=${"x".repeat(5000)}`);
    const r = WireEventSchema.safeParse(e);
    expect(r.success && r.data.url).toBe(e.url!.slice(0, 2048));
  });

  it("a form submit with a mistyped email keeps the event and drops the email (worker side)", () => {
    const r = WireEventSchema.safeParse(event("form_submit", { form: "f", email: "ada@" }));
    expect(r.success && r.data.data).toEqual({ form: "f" });
  });
});

describe("form_submit fields (the worker side of data-nudge-field)", () => {
  const parse = (fields: unknown) => {
    const r = WireEventSchema.safeParse(
      event("form_submit", { form: "f", email: "ada@example.com", fields }),
    );
    expect(r.success).toBe(true);
    return r.success ? (r.data.data as { email?: string; fields?: unknown }) : undefined;
  };

  it("keeps allowed fields for conditions and templates", () => {
    expect(parse({ plan: "pro", newsletter: "on" })).toEqual({
      form: "f",
      email: "ada@example.com",
      fields: { plan: "pro", newsletter: "on" },
    });
  });

  it("drops what it cannot use instead of rejecting the batch (the email stays)", () => {
    const got = parse({
      plan: "pro",
      "first name": "Ada", // not an identifier
      "": "x",
      nested: { a: 1 },
      note: "x".repeat(900),
    });
    expect(got?.email).toBe("ada@example.com");
    expect(got?.fields).toEqual({ plan: "pro", note: "x".repeat(500) });
    expect(parse("not an object")).toEqual({ form: "f", email: "ada@example.com" });
    expect(parse({})).toEqual({ form: "f", email: "ada@example.com" });
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, "v"]));
    expect(Object.keys(parse(many)?.fields ?? {})).toHaveLength(32);
  });
});

describe("the page URL (origin + path + utm_* only, as worker/ingest/url.ts keeps it)", () => {
  const sent = (href: string) => {
    at(href);
    return event("page").url;
  };

  it("sends neither the fragment nor a parameter other than utm_*", () => {
    expect(sent("https://shop.example/p/mug?utm_source=news&email=a%40b.c&token=secret#frag")).toBe(
      "https://shop.example/p/mug?utm_source=news",
    );
  });

  it.each([
    ["https://shop.example/", "https://shop.example/"],
    ["https://shop.example/p/mug#frag?utm_source=x", "https://shop.example/p/mug"],
    ["https://shop.example/p?email=a%40b.c&reset=r", "https://shop.example/p"],
    [
      "https://shop.example/p?email=a&utm_source=s&x=1&utm_medium=m",
      "https://shop.example/p?utm_source=s&utm_medium=m",
    ],
    [
      "https://shop.example/p?UTM_Source=s&utmsource=y&xutm_a=1",
      "https://shop.example/p?UTM_Source=s",
    ],
    [
      "https://shop.example/p?utm_content=a?b=c&next=/x?utm_source=y",
      "https://shop.example/p?utm_content=a?b=c",
    ],
    ["https://shop.example/p?&&utm_source&=x", "https://shop.example/p?utm_source"],
    [
      "https://ada:pw@shop.example:8443/a&b/c?utm_term=x#t",
      "https://shop.example:8443/a&b/c?utm_term=x",
    ],
  ])("%s → %s", (href, url) => {
    expect(sent(href)).toBe(url);
  });

  it("an odd utm_ name goes, and the worker's stricter rule drops it", () => {
    const url = sent("https://shop.example/p?utm_=x&utm_a-1=y&utm_medium=m");
    expect(url).toBe("https://shop.example/p?utm_=x&utm_a-1=y&utm_medium=m");
    expect(minimalPageUrl(url!)).toBe("https://shop.example/p?utm_medium=m");
  });

  it("never sends the fragment or another parameter, and the worker keeps what it would have kept", () => {
    const part = fc.stringMatching(/^[A-Za-z0-9_.~%@#?=+ -]{0,12}$/);
    const param = fc.tuple(
      fc.oneof(
        part,
        part.map((k) => `utm_${k}`),
        fc.constantFrom("utm_source", "UTM_Medium"),
      ),
      part,
    );
    fc.assert(
      fc.property(fc.array(param, { maxLength: 6 }), part, (params, frag) => {
        const query = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
        const href = `https://shop.example/p/x?${query.join("&")}#${frag}`;
        const url = sent(href)!;
        expect(url).not.toContain("#");
        for (const k of new URL(url).searchParams.keys()) expect(k).toMatch(/^utm_/i);
        expect(minimalPageUrl(url)).toBe(minimalPageUrl(href));
      }),
    );
  });
});
