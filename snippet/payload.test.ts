// Payload builders and ids: every event the snippet builds is one the worker's schema accepts.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BatchSchema, WireEventSchema } from "../worker/wire.ts";
import { rid } from "./ids.ts";
import { event } from "./payload.ts";

beforeEach(() => {
  vi.stubGlobal("location", { href: "https://shop.example/p/tote?utm_source=x" });
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe("rid", () => {
  it("is URL-safe, 16–64 characters, and does not repeat", () => {
    const ids = Array.from({ length: 2000 }, rid);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("event", () => {
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
      event("track", { plan: "pro" }, { event: "upgraded" }),
      event("product", { ld: ['{"@type":"Product","sku":"s","name":"N"}'] }),
    ];
    for (const e of evs) expect(WireEventSchema.safeParse(e).success, JSON.stringify(e)).toBe(true);
    expect(evs[0]).toMatchObject({ name: "page", url: "https://shop.example/p/tote?utm_source=x" });
    expect(evs[9]).toMatchObject({ name: "track", event: "upgraded", data: { plan: "pro" } });
    expect(new Set(evs.map((e) => e.id)).size).toBe(evs.length);
    const batch = { site: "shop", vid: rid(), tz: "Europe/Paris", events: evs };
    expect(BatchSchema.safeParse(batch).success).toBe(true);
  });

  it("copies data when called: later changes by the page do not leak in", () => {
    const cart = { currency: "EUR", items: [{ id: "a", name: "A", price: 1, quantity: 1 }] };
    const e = event("cart", cart);
    cart.items.push({ id: "b", name: "B", price: 2, quantity: 1 });
    expect((e.data as typeof cart).items).toHaveLength(1);
  });

  it("throws (for that call only) on data JSON cannot carry", () => {
    expect(() => event("product", { id: 1n })).toThrow();
  });

  it("cuts the page URL to the worker's 2,048 characters", () => {
    vi.stubGlobal("location", { href: `https://shop.example/?q=${"x".repeat(3000)}` });
    const e = event("page");
    expect(e.url).toHaveLength(2048);
    expect(WireEventSchema.safeParse(e).success).toBe(true);
  });

  it("a form submit with a mistyped email keeps the event and drops the email (worker side)", () => {
    const r = WireEventSchema.safeParse(event("form_submit", { form: "f", email: "ada@" }));
    expect(r.success && r.data.data).toEqual({ form: "f" });
  });
});
