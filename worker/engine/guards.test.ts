// Promises with no other guard: a step's own `if` on a later step, and what is not an item
// removal (a quantity going down but not to zero, an item added).
import { describe, expect, it } from "vitest";
import { DAY, HOUR, MIN, Sim, T0, configWith, events } from "./testkit.ts";

const EMAIL = "ana@example.com";

describe("a later step's own if", () => {
  const config = configWith((d) => {
    d.triggers = [
      {
        id: "cart-two-steps",
        on: "cart",
        steps: [
          { wait: "1h", template: "cart-abandoned", subject: "Your cart" },
          {
            wait: "1d",
            template: "cart-abandoned-2",
            subject: "Still thinking?",
            if: { "cart.value": { gte: 100 } },
          },
        ],
      },
    ];
  });

  it("skips only that step when its condition is false at its due time", () => {
    const ev = events();
    const sim = new Sim(config);
    sim.apply(ev.identify(T0, EMAIL));
    sim.apply(ev.cart(T0, [ev.item("a", 10)]));
    sim.runUntil(T0 + 3 * DAY);
    expect(sim.sends("cart-two-steps").map((s) => s.step)).toEqual([0]);
    expect(sim.outcomes("cart-two-steps")).toContainEqual(
      expect.objectContaining({ type: "skipped", step: 1, reason: "condition" }),
    );
  });

  it("sends it when the condition holds at its due time (read then, not at the start)", () => {
    const ev = events();
    const sim = new Sim(config);
    sim.apply(ev.identify(T0, EMAIL));
    sim.apply(ev.cart(T0, [ev.item("a", 10)]));
    sim.runUntil(T0 + 2 * HOUR);
    // The cart grows after step 0: a cart event restarts nothing past step 0, so the episode
    // goes on, and step 1 sees the bigger cart.
    sim.apply(ev.cart(T0 + 2 * HOUR, [ev.item("a", 10), ev.item("b", 150)]));
    sim.runUntil(T0 + 4 * DAY);
    expect(sim.sends("cart-two-steps").map((s) => s.step)).toContain(1);
  });
});

describe("what is not an item removal", () => {
  const config = configWith((d) => {
    d.triggers.push({
      id: "item-removed",
      on: "cart_item_removed",
      steps: [{ wait: "0s", template: "cart-abandoned", subject: "Changed your mind?" }],
    });
  });

  it("a quantity going down but not to zero, or an item added, derives nothing", () => {
    const ev = events();
    const sim = new Sim(config);
    sim.apply(ev.identify(T0, EMAIL));
    sim.apply(ev.cart(T0, [ev.item("a", 10, 3)]));
    sim.apply(ev.cart(T0 + MIN, [ev.item("a", 10, 1)]));
    sim.apply(ev.cart(T0 + 2 * MIN, [ev.item("a", 10, 1), ev.item("b", 5, 1)]));
    sim.runUntil(T0 + HOUR);
    expect(sim.logs("episode.started").filter((l) => l.trigger === "item-removed")).toEqual([]);
    sim.apply(ev.cart(T0 + 2 * HOUR, [ev.item("b", 5, 1)]));
    sim.runUntil(T0 + 3 * HOUR);
    expect(sim.sends("item-removed")).toHaveLength(1);
  });
});
