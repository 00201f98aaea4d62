// `anonymousSteps: "deferred"`: the email steps of a visitor with no address wake nothing before
// their episode's last hold runs out, and decide exactly what the live engine decides.
import { describe, expect, it } from "vitest";
import type { Fact } from "./facts.ts";
import type { SiteConfig } from "../config/schema.ts";
import { QUIET_SHARE } from "./schedule.ts";
import { HOLD_LAST_STEP } from "./steps.ts";
import { DAY, HOUR, MIN, Sim, T0, configWith, events } from "./testkit.ts";

const DEFERRED = configWith((d) => (d.anonymousSteps = "deferred"));
const LIVE = configWith();
/** cart-abandoned in the example config: steps after 1h and 1d more, the last held a day. */
const CART_END = T0 + HOUR + DAY + HOLD_LAST_STEP;

/** The facts, in order, with the time each was decided (the agenda item's, when it is one). */
const decided = (facts: Fact[]) =>
  facts.map((f) =>
    [f.type, "trigger" in f ? f.trigger : "", "step" in f ? f.step : null, f.at ?? ""].join(" "),
  );

/** Runs every alarm the engine asks for until `until`; returns how many recorded something. */
function alarms(sim: Sim, until: number): number {
  let runs = 0;
  for (let i = 0; i < 100; i++) {
    const due = sim.last?.nextDue ?? null;
    if (due === null || due > until) return runs;
    if (sim.wake(due).facts.length) runs++;
  }
  throw new Error("runaway");
}

function anonymousCart(config: SiteConfig) {
  const ev = events();
  const sim = new Sim(config);
  sim.apply(ev.product(T0 - MIN, "mug"));
  sim.apply(ev.cart(T0, [ev.item("mug", 12)]));
  return { sim, ev };
}

describe('anonymousSteps: "deferred"', () => {
  it("an anonymous visitor's cart episode takes one wake, at its last hold's end, and decides the same", () => {
    const live = anonymousCart(LIVE).sim;
    expect(live.last?.nextDue).toBe(T0 + HOUR);
    const liveRuns = alarms(live, T0 + 5 * DAY);
    const deferred = anonymousCart(DEFERRED).sim;
    expect(deferred.last?.nextDue).toBe(CART_END);
    const deferredRuns = alarms(deferred, T0 + 5 * DAY);
    expect([liveRuns, deferredRuns]).toEqual([3, 1]);
    expect(decided(deferred.facts)).toEqual(decided(live.facts));
    expect(deferred.outcomes("cart-abandoned")).toMatchObject([
      { type: "skipped", step: 0, reason: "no_email" },
      { type: "skipped", step: 1, reason: "no_email" },
    ]);
    expect(deferred.state).toEqual(live.state);
  });

  it("an address that comes while a step is held still gets that step, as live", () => {
    const runs = [LIVE, DEFERRED].map((config) => {
      const { sim, ev } = anonymousCart(config);
      alarms(sim, T0 + HOUR + 10 * MIN); // live: step 1 due and held; deferred: no wake yet
      sim.apply(ev.identify(T0 + HOUR + 10 * MIN, "ann@example.com"));
      alarms(sim, T0 + 5 * DAY);
      return sim;
    });
    const [live, deferred] = runs as [Sim, Sim];
    expect(deferred.sends("cart-abandoned")).toMatchObject([
      { step: 0, due: T0 + HOUR },
      { step: 1, due: T0 + HOUR + DAY },
    ]);
    expect(deferred.sends()).toEqual(live.sends());
    expect(decided(deferred.facts)).toEqual(decided(live.facts));
  });

  it("keeps the live times for a visitor with an address", () => {
    const ev = events();
    const sim = new Sim(DEFERRED);
    sim.apply(ev.identify(T0 - HOUR, "bo@example.com"));
    sim.apply(ev.cart(T0, [ev.item("mug", 12)]));
    expect(sim.last?.nextDue).toBe(T0 + HOUR);
  });

  it("keeps the live time of a step while a webhook step is left in the episode", () => {
    const config = configWith((d) => {
      d.anonymousSteps = "deferred";
      const cart = d.triggers.find((t) => t.id === "cart-abandoned")!;
      cart.steps = [...cart.steps, { wait: "1h", webhook: "https://hooks.example.com/cart" }];
    });
    const { sim } = anonymousCart(config);
    expect(sim.last?.nextDue).toBe(T0 + HOUR);
    alarms(sim, T0 + 3 * DAY);
    expect(sim.effects).toMatchObject([{ type: "webhook", step: 2, due: T0 + 2 * HOUR + DAY }]);
    const skipped = sim.outcomes("cart-abandoned").filter((o) => o.type === "skipped");
    expect(skipped.map((o) => o.step)).toEqual([0, 1]);
  });

  it("two quiet episodes ending less than a day apart share one wake, at the later end", () => {
    const runs = [LIVE, DEFERRED].map((config) => {
      const { sim, ev } = anonymousCart(config);
      sim.apply(ev.formStart(T0 + 3 * HOUR)); // form-abandoned: its step after 30m, held a day
      return sim;
    });
    const [live, deferred] = runs as [Sim, Sim];
    const formEnd = T0 + 3 * HOUR + 30 * MIN + HOLD_LAST_STEP;
    expect(formEnd).toBeLessThan(CART_END);
    expect(CART_END - formEnd).toBeLessThanOrEqual(QUIET_SHARE);
    expect(deferred.last?.nextDue).toBe(CART_END); // not formEnd: one wake for both
    expect([alarms(live, T0 + 5 * DAY), alarms(deferred, T0 + 5 * DAY)]).toEqual([4, 1]);
    expect(decided(deferred.facts)).toEqual(decided(live.facts));
    expect(deferred.outcomes()).toMatchObject([
      { type: "skipped", trigger: "cart-abandoned", step: 0, reason: "no_email" }, // at 1h + 1d
      { type: "skipped", trigger: "form-abandoned", step: 0, reason: "no_email" },
      { type: "skipped", trigger: "cart-abandoned", step: 1, reason: "no_email" },
    ]);
    expect(decided(deferred.facts).filter((f) => f.includes("cart-abandoned 1"))).toEqual([
      `due cart-abandoned 1 ${T0 + HOUR + DAY}`, // dated when it came due, not when recorded
      `held cart-abandoned 1 ${T0 + HOUR + DAY}`,
      `skipped cart-abandoned 1 ${CART_END}`,
    ]);
    expect(deferred.state).toEqual(live.state);
  });

  it("an episode that ends more than a day after another has a wake of its own", () => {
    const slowForm = (d: Parameters<Parameters<typeof configWith>[0] & object>[0]) => {
      d.triggers.find((t) => t.id === "form-abandoned")!.steps[0]!.wait = "3d";
    };
    const runs = [
      configWith(slowForm),
      configWith((d) => {
        slowForm(d);
        d.anonymousSteps = "deferred";
      }),
    ].map((config) => {
      const { sim, ev } = anonymousCart(config);
      sim.apply(ev.formStart(T0 + 3 * HOUR));
      return sim;
    });
    const [live, deferred] = runs as [Sim, Sim];
    const formEnd = T0 + 3 * HOUR + 3 * DAY + HOLD_LAST_STEP;
    expect(formEnd - CART_END).toBeGreaterThan(QUIET_SHARE);
    expect(deferred.last?.nextDue).toBe(CART_END);
    deferred.wake(CART_END);
    expect(deferred.last?.nextDue).toBe(formEnd);
    expect(alarms(deferred, T0 + 9 * DAY)).toBe(1);
    alarms(live, T0 + 9 * DAY);
    expect(decided(deferred.facts)).toEqual(decided(live.facts));
  });
});
