// The catalog's pure parts: what a new statement of a product changes, which interest a batch
// shows (with an email, at most once a day per product), the catalog's facts over a send's context, and the
// engine's catalog triggers (a price drop only for a recent enough view; the restocked product
// in the template).
import { describe, expect, it } from "vitest";
import { emptyProfile } from "../engine/profile.ts";
import { configWith, DAY, events, Sim, T0 } from "../engine/testkit.ts";
import type { NudgeEvent } from "../ingest/events.ts";
import type { TemplateContext } from "../mail/context.ts";
import { catalogNeeds, productChange } from "./changes.ts";
import { interestsOf } from "./interest.ts";
import { productIdsOf, withCatalog } from "./overlay.ts";
import { CatalogProductSchema, type CatalogProductInput } from "./schema.ts";

const product = (patch: Partial<CatalogProductInput> = {}) =>
  CatalogProductSchema.parse({ id: "p1", name: "Lamp", price: 100, currency: "EUR", ...patch });

describe("productChange", () => {
  it("a first statement is a change, never a drop or a restock", () => {
    expect(productChange(null, product())).toEqual({
      changed: true,
      priceDrop: null,
      backInStock: false,
    });
  });

  it("a lower price while available is a drop in whole percent; a rise or a sold-out drop is not", () => {
    expect(productChange(product(), product({ price: 79.99 })).priceDrop).toEqual({
      from: 100,
      to: 79.99,
      percent: 20,
    });
    expect(productChange(product(), product({ price: 120 })).priceDrop).toBeNull();
    expect(productChange(product(), product({ price: 50, available: false })).priceDrop).toBeNull();
    // Another currency is not a cheaper price.
    expect(productChange(product(), product({ price: 50, currency: "USD" })).priceDrop).toBeNull();
  });

  it("unavailable → available is a restock; availability follows inventory when not stated", () => {
    expect(productChange(product({ inventory: 0 }), product({ inventory: 3 })).backInStock).toBe(
      true,
    );
    expect(productChange(product(), product({ inventory: 3 })).backInStock).toBe(false);
    expect(productChange(product(), product())).toMatchObject({ changed: false });
  });
});

describe("catalogNeeds", () => {
  it("follows the triggers: the longest price-drop within, restocks only with a trigger", () => {
    const none = configWith((d) => {
      d.triggers = d.triggers.filter((t) => t.on !== "price_drop" && t.on !== "back_in_stock");
    });
    expect(catalogNeeds(none)).toEqual({ priceDrop: false, within: 0, backInStock: false });
    const two = configWith((d) => {
      d.triggers.push({
        id: "drop-long",
        on: "price_drop",
        within: "30d",
        steps: [{ wait: "0s", template: "price-drop", subject: "x" }],
      });
    });
    expect(catalogNeeds(two)).toEqual({ priceDrop: true, within: 30 * DAY, backInStock: true });
  });
});

describe("interestsOf", () => {
  const needs = { priceDrop: true, within: 14 * DAY, backInStock: true };
  const ev = events();
  const anonymous = emptyProfile("s", "v", T0);
  const known = { ...anonymous, email: "ada@example.com" };

  it("a notify watches, whoever asks", () => {
    const notify: NudgeEvent = { id: "n1", at: T0, name: "notify", data: { product: "p9" } };
    expect(interestsOf(null, anonymous, [notify, ev.product(T0, "p1")], needs, T0)).toEqual([
      { product: "p9", watch: true, seenAt: null },
    ]);
  });

  it("an anonymous visitor's views and cart lines cost no write: a price drop cannot reach it", () => {
    const batch = [ev.product(T0, "p1"), ev.cart(T0, [ev.item("p2")])];
    expect(interestsOf(null, anonymous, batch, needs, T0)).toEqual([]);
  });

  it("with an email, a view or a new cart line is seen, once a day per product", () => {
    const first = interestsOf(
      known,
      known,
      [ev.product(T0, "p1"), ev.cart(T0, [ev.item("p2")])],
      needs,
      T0,
    );
    expect(first).toEqual([
      { product: "p1", watch: false, seenAt: T0 },
      { product: "p2", watch: false, seenAt: T0 },
    ]);
    const before = {
      ...known,
      products: [{ id: "p1", name: "P", at: T0 }],
      cart: { items: [ev.item("p2")], currency: null, value: 10, count: 1, updatedAt: T0 },
    };
    const hour = T0 + 3_600_000;
    // An hour later: nothing new to say.
    expect(interestsOf(before, before, [ev.product(hour, "p1")], needs, hour)).toEqual([]);
    expect(interestsOf(before, before, [ev.cart(hour, [ev.item("p2")])], needs, hour)).toEqual([]);
    // A day later: seen again.
    expect(interestsOf(before, before, [ev.product(T0 + DAY, "p1")], needs, T0 + DAY)).toEqual([
      { product: "p1", watch: false, seenAt: T0 + DAY },
    ]);
  });

  it("identifying registers the recent views and cart lines at once, not the old ones", () => {
    const now = T0 + 20 * DAY;
    const before = {
      ...anonymous,
      products: [
        { id: "p1", name: "P", at: now - DAY },
        { id: "p3", name: "Old", at: now - 15 * DAY },
      ],
      cart: {
        items: [ev.item("p2")],
        currency: null,
        value: 10,
        count: 1,
        updatedAt: now - 2 * DAY,
      },
    };
    const after = { ...before, email: "ada@example.com" };
    expect(interestsOf(before, after, [], needs, now)).toEqual([
      { product: "p1", watch: false, seenAt: now - DAY },
      { product: "p2", watch: false, seenAt: now - 2 * DAY },
    ]);
  });

  it("without a price-drop trigger views are not registered at all", () => {
    const off = { ...needs, priceDrop: false };
    expect(interestsOf(null, known, [ev.product(T0, "p1")], off, T0)).toEqual([]);
  });
});

describe("withCatalog", () => {
  const ctx: TemplateContext = {
    contact: { email: "a@b.co" },
    site: {
      id: "s",
      name: "S",
      url: "https://s.example/",
      postal_address: "1 St",
      currency: "EUR",
    },
    cart: {
      items: [
        { id: "p1", name: "BROWSER SAYS FREE", price: 1, quantity: 2 },
        { id: "p2", name: "Gone", price: 10, quantity: 1 },
        { id: "p3", name: "Unknown to the catalog", price: 5, quantity: 1 },
      ],
      value: 17,
      currency: "EUR",
      count: 4,
    },
    product: { id: "p1", name: "Old name", price: 1, currency: "EUR" },
  };

  it("names the products a send carries", () => {
    expect(productIdsOf(ctx)).toEqual(["p1", "p2", "p3"]);
  });

  it("the catalog's name and price win; a sold-out line is marked and not counted", () => {
    const out = withCatalog(
      ctx,
      {
        p1: product({ id: "p1", price: 30 }),
        p2: product({ id: "p2", available: false, price: 10 }),
      },
      [product({ id: "r1", name: "Shade", price: 12 })],
    );
    expect(out.cart?.items.map((i) => [i.id, i.name, i.price, i.available])).toEqual([
      ["p1", "Lamp", 30, true],
      ["p2", "Lamp", 10, false],
      ["p3", "Unknown to the catalog", 5, undefined],
    ]);
    expect(out.cart).toMatchObject({ value: 65, count: 3 });
    expect(out.product).toMatchObject({ name: "Lamp", price: 30, available: true });
    expect(out.recommendations).toEqual([
      {
        id: "r1",
        name: "Shade",
        price: 12,
        currency: "EUR",
        url: null,
        image: null,
        available: true,
      },
    ]);
  });

  it("a price in another currency is left as the cart has it", () => {
    const out = withCatalog(ctx, { p1: product({ id: "p1", price: 30, currency: "USD" }) }, []);
    expect(out.cart?.items[0]).toMatchObject({ name: "Lamp", price: 1 });
  });
});

describe("catalog triggers in the engine", () => {
  const facts = { id: "p1", name: "Lamp", price: 80, currency: "EUR", available: true };
  const drop = (at: number, seenAt: number, percent = 20): NudgeEvent => ({
    id: `pd-${at}-${seenAt}`,
    at,
    name: "price_drop",
    verified: "server",
    data: { product: facts, from: 100, to: 80, percent, seen_at: seenAt },
  });

  it("a price drop starts the trigger only for a view within its `within` and above its `if`", () => {
    const sim = new Sim();
    sim.apply(events().identify(T0, "a@b.co"));
    sim.apply(drop(T0 + DAY, T0 - 30 * DAY));
    sim.apply(drop(T0 + 2 * DAY, T0 + DAY, 5));
    sim.runUntil(T0 + 3 * DAY);
    expect(sim.sends("price-drop")).toHaveLength(0);
    sim.apply(drop(T0 + 4 * DAY, T0 + 3 * DAY));
    sim.runUntil(T0 + 5 * DAY);
    const [send] = sim.sends("price-drop");
    expect(send?.context).toMatchObject({
      product: { id: "p1", price: 80 },
      price_drop: { percent: 20, from: 100, to: 80 },
    });
  });

  it("back in stock sends the restocked product, whatever the visitor viewed last", () => {
    const sim = new Sim();
    const ev = events();
    sim.apply(ev.identify(T0, "a@b.co"));
    sim.apply(ev.product(T0, "other"));
    sim.apply({
      id: "bis-1",
      at: T0 + DAY,
      name: "back_in_stock",
      verified: "server",
      data: { product: facts },
    });
    sim.runUntil(T0 + 2 * DAY);
    expect(sim.sends("back-in-stock")[0]?.context).toMatchObject({ product: { id: "p1" } });
  });
});
