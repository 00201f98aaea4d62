// Event triggers from the example config (templates/default-config.json) with an injected clock:
// if, count, cancelOn (plain and with if), restarts, reentry, holdout, duplicates and derived
// cart_item_removed.
import { describe, expect, it } from "vitest";
import type { NudgeEvent } from "../ingest/events.ts";
import { CONFIG, DAY, HOUR, MIN, Sim, T0, VID, configWith, events } from "./testkit.ts";

const EMAIL = "ann@example.com";

/** A known visitor who put one item in the cart at T0. */
function cartSim(config = CONFIG) {
  const ev = events();
  const sim = new Sim(config);
  sim.apply(ev.identify(T0 - MIN, EMAIL, { first_name: "Ann" }));
  sim.apply(ev.cart(T0, [ev.item("a", 10, 2)]));
  return { sim, ev };
}

describe("cart-abandoned", () => {
  it("sends step 1 after 1h and step 2 a day later, with the cart in context", () => {
    const { sim } = cartSim();
    expect(sim.last?.nextDue).toBe(T0 + HOUR);
    sim.wake(T0 + HOUR - 1);
    expect(sim.sends()).toHaveLength(0);
    sim.wake(T0 + HOUR);
    const [first] = sim.sends("cart-abandoned");
    expect(first).toMatchObject({
      step: 0,
      template: "cart-abandoned",
      subject: "You left something behind",
      email: EMAIL,
      due: T0 + HOUR,
      frequencyCap: true,
      marketing: true,
      variant: null,
    });
    expect(first?.context).toMatchObject({
      cart: { value: 20, count: 2 },
      contact: { first_name: "Ann" },
    });
    expect(sim.last?.nextDue).toBe(T0 + HOUR + DAY);
    sim.wake(T0 + HOUR + DAY);
    expect(sim.sends("cart-abandoned").map((s) => s.template)).toEqual([
      "cart-abandoned",
      "cart-abandoned-2",
    ]);
    expect(sim.sends()[1]?.subject).toContain("{{ contact.first_name | default: 'friend' }}");
    expect(sim.logs("episode.completed")).toHaveLength(1);
    // Nothing is left: win-back's inactivity check needs an order (timed.test.ts).
    expect(sim.last?.nextDue).toBeNull();
  });

  it("an empty cart (value 0) starts nothing", () => {
    const ev = events();
    const sim = new Sim();
    sim.apply(ev.cart(T0, []));
    expect(sim.logs("episode.started")).toHaveLength(0);
  });

  it("a purchase before the step is due cancels it; nothing is ever sent", () => {
    const { sim, ev } = cartSim();
    sim.apply(ev.purchase(T0 + 59 * MIN));
    sim.runUntil(T0 + 10 * DAY);
    expect(sim.sends("cart-abandoned")).toHaveLength(0);
    expect(sim.logs("episode.cancelled")).toContainEqual(
      expect.objectContaining({ trigger: "cart-abandoned", reason: "cancelOn:purchase" }),
    );
  });

  it("a purchase between the steps stops the second one", () => {
    const { sim, ev } = cartSim();
    sim.wake(T0 + HOUR);
    sim.apply(ev.purchase(T0 + 2 * HOUR));
    sim.runUntil(T0 + 10 * DAY);
    expect(sim.sends("cart-abandoned").map((s) => s.step)).toEqual([0]);
  });

  it("emptying the cart cancels ({ event, if } in cancelOn)", () => {
    const { sim, ev } = cartSim();
    sim.apply(ev.cart(T0 + 10 * MIN, []));
    expect(sim.logs("episode.cancelled")[0]).toMatchObject({ reason: "cancelOn:cart" });
    sim.runUntil(T0 + 3 * DAY);
    expect(sim.sends("cart-abandoned")).toHaveLength(0);
  });

  it("a repeat of the triggering event while waiting restarts the clock", () => {
    const { sim, ev } = cartSim();
    sim.apply(ev.cart(T0 + 40 * MIN, [ev.item("a", 10, 3)]));
    expect(sim.logs("episode.restarted")).toHaveLength(1);
    expect(sim.last?.nextDue).toBe(T0 + 40 * MIN + HOUR);
    sim.wake(T0 + HOUR);
    expect(sim.sends()).toHaveLength(0);
    sim.wake(T0 + 40 * MIN + HOUR);
    expect(sim.sends()[0]?.context).toMatchObject({ cart: { count: 3 } });
    expect(new Set(sim.logs("episode.started").map((f) => f.episode)).size).toBe(1);
  });

  it("duplicate events are dropped: same state, no effects", () => {
    const ev = events();
    const sim = new Sim();
    const e = ev.cart(T0, [ev.item("a")]);
    sim.apply(e);
    const before = sim.state;
    const r = sim.apply({ ...e, at: T0 + 5 * MIN }, T0 + 5 * MIN);
    expect(r.duplicate).toBe(true);
    expect(r.effects).toEqual([]);
    expect(r.state).toBe(before);
    expect(r.nextDue).toBe(T0 + HOUR);
  });

  it("holdout puts about 10% of episodes in the control group, deterministically", () => {
    let held = 0;
    for (let i = 0; i < 400; i++) {
      const ev = events();
      const sim = new Sim(CONFIG, "UTC", `visitor-${String(i).padStart(12, "0")}`);
      sim.apply(ev.identify(T0, EMAIL));
      sim.apply(ev.cart(T0, [ev.item("a")]));
      sim.wake(T0 + HOUR);
      const s = sim.sends("cart-abandoned")[0];
      expect(s).toBeDefined();
      if (s?.holdout) held++;
    }
    expect(held).toBeGreaterThan(20);
    expect(held).toBeLessThan(65);
  });
});

describe("derived cart_item_removed", () => {
  it("fires a trigger when an item disappears from the cart snapshot", () => {
    const config = configWith((d) => {
      d.triggers.push({
        id: "item-removed",
        on: "cart_item_removed",
        if: { "event.item.id": "a" },
        steps: [
          {
            wait: "10m",
            template: "removed",
            subject: "Changed your mind about {{ event.item.name }}?",
          },
        ],
      });
    });
    const { sim, ev } = cartSim(config);
    sim.apply(ev.cart(T0 + MIN, [ev.item("b")]));
    sim.wake(T0 + 11 * MIN);
    const s = sim.sends("item-removed");
    expect(s).toHaveLength(1);
    expect(s[0]?.context.event).toMatchObject({ name: "cart_item_removed", item: { id: "a" } });
  });

  it("one update that drops several items is one episode that knows every removed item", () => {
    const config = configWith((d) => {
      d.triggers.push({
        id: "items-removed",
        on: "cart_item_removed",
        steps: [{ wait: "10m", template: "removed", subject: "Changed your mind?" }],
      });
    });
    const ev = events();
    const sim = new Sim(config);
    sim.apply(ev.identify(T0 - MIN, EMAIL));
    sim.apply(ev.cart(T0, [ev.item("a"), ev.item("b"), ev.item("c")]));
    sim.apply(ev.cart(T0 + MIN, [ev.item("c")]));
    sim.wake(T0 + HOUR);
    const s = sim.sends("items-removed");
    expect(s).toHaveLength(1);
    const event = s[0]?.context.event as { item: { id: string }; items: { id: string }[] };
    expect(event.item.id).toBe("a");
    expect(event.items.map((i) => i.id)).toEqual(["a", "b"]);
    // Due 10 minutes after the one update: nothing restarted it.
    expect(
      sim.facts.filter((f) => f.type === "restarted" && f.trigger === "items-removed"),
    ).toEqual([]);
  });
});

describe("browse-abandoned (count atLeast 2 within 1d, sameKey product.id)", () => {
  function browse(views: [number, string][]) {
    const ev = events();
    const sim = new Sim();
    sim.apply(ev.identify(T0 - MIN, EMAIL));
    for (const [at, sku] of views) sim.apply(ev.product(at, sku));
    return { sim, ev };
  }
  it("two views of the same product start it; it sends 2h after the second", () => {
    const { sim } = browse([
      [T0, "p1"],
      [T0 + HOUR, "p1"],
    ]);
    sim.runUntil(T0 + 3 * HOUR + 1);
    expect(sim.sends("browse-abandoned")).toHaveLength(1);
    expect(sim.sends()[0]).toMatchObject({ due: T0 + 3 * HOUR });
    expect(sim.sends()[0]?.context.product).toMatchObject({ id: "p1", name: "Product p1" });
  });
  it("one view, two different products, or views a day apart start nothing", () => {
    for (const views of [
      [[T0, "p1"]],
      [
        [T0, "p1"],
        [T0 + MIN, "p2"],
      ],
      [
        [T0, "p1"],
        [T0 + DAY, "p1"],
      ],
    ] as [number, string][][]) {
      const { sim } = browse(views);
      sim.runUntil(T0 + 3 * DAY);
      expect(sim.logs("episode.started").filter((f) => f.trigger === "browse-abandoned")).toEqual(
        [],
      );
    }
  });
  it("adding to cart cancels it", () => {
    const { sim, ev } = browse([
      [T0, "p1"],
      [T0 + MIN, "p1"],
    ]);
    sim.apply(ev.cart(T0 + 2 * MIN, [ev.item("p1")]));
    sim.runUntil(T0 + DAY);
    expect(sim.sends("browse-abandoned")).toHaveLength(0);
  });
});

describe("form-abandoned and welcome", () => {
  it("a started form not submitted within 30m sends (email known from an earlier identify)", () => {
    const ev = events();
    const sim = new Sim();
    sim.apply(ev.identify(T0 - DAY, EMAIL));
    sim.apply(ev.formStart(T0));
    sim.wake(T0 + 30 * MIN);
    expect(sim.sends("form-abandoned")).toHaveLength(1);
  });
  it("submitting cancels it, and welcome sends at once, only ever once (reentry never)", () => {
    const ev = events();
    const sim = new Sim();
    sim.apply(ev.formStart(T0));
    const r = sim.apply(ev.formSubmit(T0 + 5 * MIN, EMAIL));
    expect(r.effects.filter((e) => e.type === "send")).toMatchObject([
      {
        trigger: "welcome",
        template: "welcome",
        frequencyCap: false,
        email: EMAIL,
        due: T0 + 5 * MIN,
      },
    ]);
    sim.apply(ev.formSubmit(T0 + 5 * DAY, EMAIL));
    sim.apply(ev.formSubmit(T0 + 500 * DAY, EMAIL));
    sim.runUntil(T0 + 501 * DAY);
    expect(sim.sends("welcome")).toHaveLength(1);
    expect(sim.sends("form-abandoned")).toHaveLength(0);
  });
});

describe("form fields (data-nudge-field)", () => {
  it("reach `if` conditions as form.fields.* and templates as event.fields.*", () => {
    const config = configWith((d) => {
      d.triggers.push({
        id: "pro-signup",
        on: "form_submit",
        if: { "form.fields.plan": "pro", "event.fields.newsletter": { exists: true } },
        steps: [{ wait: "0s", template: "pro", subject: "Welcome to {{ event.fields.plan }}" }],
      });
    });
    const sim = new Sim(config);
    const submit = (at: number, fields: Record<string, string>): NudgeEvent => ({
      id: `ev-fields-${at}`,
      at,
      name: "form_submit",
      data: { form: "signup", email: EMAIL, fields },
    });
    sim.apply(submit(T0, { plan: "basic", newsletter: "on" }));
    sim.apply(submit(T0 + MIN, { plan: "pro" }));
    expect(sim.sends("pro-signup")).toHaveLength(0);
    sim.apply(submit(T0 + 2 * MIN, { plan: "pro", newsletter: "on" }));
    const [s] = sim.sends("pro-signup");
    expect(s?.context.event).toMatchObject({
      name: "form_submit",
      form: "signup",
      fields: { plan: "pro", newsletter: "on" },
    });
  });
});

describe("thank-you and reentry", () => {
  it("sends at once (exempt from the cap) and asks for a review 7 days later", () => {
    const ev = events();
    const sim = new Sim();
    sim.apply(ev.identify(T0, EMAIL));
    sim.apply(ev.purchase(T0 + MIN, 42));
    expect(sim.sends("thank-you")).toMatchObject([{ step: 0, frequencyCap: false }]);
    expect(sim.sends("thank-you")[0]?.context.order).toMatchObject({ value: 42 });
    sim.runUntil(T0 + 8 * DAY);
    expect(sim.sends("thank-you").map((s) => [s.template, s.due])).toEqual([
      ["thank-you", T0 + MIN],
      ["review-request", T0 + MIN + 7 * DAY],
    ]);
  });
  it("reentry 1d: a second purchase within a day restarts; after a day it is a new episode", () => {
    const ev = events();
    const sim = new Sim();
    sim.apply(ev.identify(T0, EMAIL));
    sim.apply(ev.purchase(T0));
    sim.apply(ev.purchase(T0 + 2 * HOUR));
    expect(sim.sends("thank-you")).toHaveLength(1);
    sim.apply(ev.purchase(T0 + 2 * DAY));
    expect(sim.sends("thank-you")).toHaveLength(2);
    expect(sim.logs("episode.cancelled")).toContainEqual(
      expect.objectContaining({ trigger: "thank-you", reason: "superseded" }),
    );
    sim.runUntil(T0 + 20 * DAY);
    expect(sim.sends("thank-you").map((s) => s.due)).toEqual([T0, T0 + 2 * DAY, T0 + 9 * DAY]);
  });
  it("reentry counts only episodes that reached a step; 'always' re-enters at once", () => {
    const ev = events();
    const sim = new Sim();
    sim.apply(ev.identify(T0, EMAIL));
    sim.apply(ev.cart(T0, [ev.item("a")]));
    sim.apply(ev.purchase(T0 + MIN)); // cancelled before any step
    sim.apply(ev.cart(T0 + 2 * MIN, [ev.item("b")]));
    sim.wake(T0 + 2 * MIN + HOUR);
    expect(sim.sends("cart-abandoned")).toHaveLength(1);
    sim.apply(ev.purchase(T0 + 2 * HOUR));
    sim.apply(ev.cart(T0 + 3 * HOUR, [ev.item("c")]));
    sim.runUntil(T0 + 5 * HOUR);
    expect(sim.sends("cart-abandoned")).toHaveLength(1); // within 1d of the last entry

    const always = configWith((d) => {
      const t = d.triggers[0];
      if (t) t.reentry = "always";
    });
    const ev2 = events();
    const s2 = new Sim(always);
    s2.apply(ev2.identify(T0, EMAIL));
    s2.apply(ev2.cart(T0, [ev2.item("a")]));
    s2.wake(T0 + HOUR);
    s2.apply(ev2.purchase(T0 + 2 * HOUR));
    s2.apply(ev2.cart(T0 + 3 * HOUR, [ev2.item("c")]));
    s2.runUntil(T0 + 5 * HOUR);
    expect(s2.sends("cart-abandoned")).toHaveLength(2);
  });
});

describe("email_click follow-up (webhook step)", () => {
  it("posts the webhook a day after a click unless a purchase came first", () => {
    const ev = events();
    const sim = new Sim();
    sim.apply(ev.identify(T0, EMAIL));
    sim.apply(ev.click(T0 + MIN));
    sim.runUntil(T0 + 2 * DAY);
    const hooks = sim.outcomes("clicked-no-purchase");
    expect(hooks).toMatchObject([
      { type: "webhook", url: "https://hooks.example.com/nudge", due: T0 + MIN + DAY },
    ]);
    const hook = hooks[0];
    expect(hook?.type === "webhook" && hook.payload).toMatchObject({
      vid: VID,
      trigger: "clicked-no-purchase",
    });

    const ev2 = events();
    const s2 = new Sim();
    s2.apply(ev2.click(T0));
    s2.apply(ev2.purchase(T0 + HOUR));
    s2.runUntil(T0 + 3 * DAY);
    expect(s2.outcomes("clicked-no-purchase")).toEqual([]);
  });
});

describe("keys", () => {
  it("are URL-safe, at most 256 chars, and distinct per step", () => {
    const { sim } = cartSim();
    sim.runUntil(T0 + 3 * DAY);
    const keys = sim.outcomes().map((e) => e.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const k of keys) {
      expect(k).toMatch(/^[A-Za-z0-9._-]{1,256}$/);
      expect(k.startsWith("demo.cart-abandoned.")).toBe(true);
    }
  });
});
