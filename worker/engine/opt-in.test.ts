// Double opt-in in the engine: a step for an address nobody vouched for is held and asks for one
// confirmation email; `contact_verified` (sent only by the Contact object) releases it.
import { describe, expect, it } from "vitest";
import type { NudgeEvent } from "../ingest/events.ts";
import { CONFIRM_TRIGGER } from "./effects.ts";
import { DAY, HOUR, MIN, Sim, T0, configWith, events } from "./testkit.ts";

const EMAIL = "ana@example.com";
const DOUBLE = configWith((d) => {
  d.optIn = "double";
});

let n = 0;
const verified = (at: number, email = EMAIL): NudgeEvent => ({
  id: `verified${++n}`,
  at,
  name: "contact_verified",
  data: { email },
});

describe("double opt-in", () => {
  it("holds a due step, asks for one confirmation, and sends once the address is verified", () => {
    const ev = events();
    const sim = new Sim(DOUBLE);
    sim.apply(ev.identify(T0, EMAIL));
    sim.apply(ev.cart(T0 + MIN, [ev.item("a")]));
    sim.wake(T0 + MIN + HOUR);
    expect(sim.sends("cart-abandoned")).toHaveLength(0);
    const confirms = sim.sends(CONFIRM_TRIGGER);
    expect(confirms).toMatchObject([
      { template: "confirm", email: EMAIL, marketing: false, frequencyCap: false, step: 0 },
    ]);
    expect(confirms[0]?.key).toContain(`.${CONFIRM_TRIGGER}.`);
    expect(sim.logs("step.held")).toContainEqual(
      expect.objectContaining({ trigger: "cart-abandoned", reason: "unconfirmed" }),
    );
    // Nothing is sent on a browser's word: a page view, another identify, an alarm re-run.
    sim.apply(ev.page(T0 + 2 * HOUR));
    sim.apply(ev.identify(T0 + 2 * HOUR, EMAIL));
    sim.wake(T0 + 3 * HOUR);
    expect(sim.sends("cart-abandoned")).toHaveLength(0);
    const r = sim.apply(verified(T0 + 4 * HOUR));
    expect(r.effects).toMatchObject([
      { type: "send", trigger: "cart-abandoned", step: 0, email: EMAIL },
    ]);
    expect(sim.state.profile.verified).toBe(true);
    sim.runUntil(T0 + 3 * DAY);
    expect(sim.sends("cart-abandoned").map((s) => s.step)).toEqual([0, 1]);
    expect(sim.sends(CONFIRM_TRIGGER)).toHaveLength(1);
  });

  it("asks at most once a day however many steps are held, and again the next day", () => {
    const ev = events();
    const sim = new Sim(DOUBLE);
    sim.apply(ev.identify(T0, EMAIL));
    sim.apply(ev.cart(T0, [ev.item("a")]));
    sim.apply(ev.formStart(T0 + MIN));
    sim.runUntil(T0 + 20 * HOUR);
    expect(sim.logs("step.held").filter((l) => l.reason === "unconfirmed").length).toBe(2);
    expect(sim.sends(CONFIRM_TRIGGER)).toHaveLength(1);
    sim.runUntil(T0 + 3 * DAY);
    const asks = sim.sends(CONFIRM_TRIGGER);
    expect(asks).toHaveLength(2);
    expect(asks[1]!.due - asks[0]!.due).toBeGreaterThanOrEqual(DAY);
    expect(new Set(asks.map((a) => a.key)).size).toBe(2);
  });

  it("skips a held step as unconfirmed when the hold runs out", () => {
    const ev = events();
    const sim = new Sim(DOUBLE);
    sim.apply(ev.identify(T0, EMAIL));
    sim.apply(ev.cart(T0, [ev.item("a")]));
    sim.runUntil(T0 + HOUR + DAY);
    expect(sim.outcomes("cart-abandoned")).toContainEqual(
      expect.objectContaining({ type: "skipped", step: 0, reason: "unconfirmed" }),
    );
    // Verified too late for step 0; step 1 (due now) is held and then released.
    sim.apply(verified(T0 + HOUR + DAY + MIN));
    expect(sim.sends("cart-abandoned").map((s) => s.step)).toEqual([1]);
  });

  it("lets a purchase cancel a held step: nothing is sent after the confirmation", () => {
    const ev = events();
    const sim = new Sim(DOUBLE);
    sim.apply(ev.identify(T0, EMAIL));
    sim.apply(ev.cart(T0, [ev.item("a")]));
    sim.wake(T0 + HOUR);
    sim.apply(ev.purchase(T0 + 2 * HOUR));
    sim.apply(verified(T0 + 3 * HOUR));
    expect(sim.sends("cart-abandoned")).toHaveLength(0);
    expect(sim.outcomes("cart-abandoned")).toContainEqual(
      expect.objectContaining({ type: "skipped", step: 0, reason: "cancelled" }),
    );
  });

  it("ignores a confirmation for another address, and forgets it when the address changes", () => {
    const ev = events();
    const sim = new Sim(DOUBLE);
    sim.apply(ev.identify(T0, EMAIL));
    sim.apply(verified(T0 + MIN, "someone@example.com"));
    expect(sim.state.profile.verified).toBe(false);
    sim.apply(verified(T0 + 2 * MIN));
    expect(sim.state.profile.verified).toBe(true);
    sim.apply(ev.identify(T0 + 3 * MIN, EMAIL));
    expect(sim.state.profile.verified).toBe(true);
    sim.apply(ev.identify(T0 + 4 * MIN, "other@example.com"));
    expect(sim.state.profile.verified).toBe(false);
    sim.apply(ev.formSubmit(T0 + 5 * MIN, EMAIL));
    expect(sim.state.profile.verified).toBe(false);
  });

  it("is not visitor activity (a confirmation does not keep a session alive)", () => {
    const ev = events();
    const sim = new Sim(DOUBLE);
    sim.apply(ev.identify(T0, EMAIL));
    const before = sim.state.engine.lastActivity;
    sim.apply(verified(T0 + HOUR));
    expect(sim.state.engine.lastActivity).toBe(before);
  });
});

describe("a trigger on contact_verified", () => {
  it("starts once, when the address becomes verified, not on later confirmations", () => {
    const ev = events();
    const sim = new Sim(
      configWith((d) => {
        d.optIn = "double";
        d.triggers.push({
          id: "welcome-confirmed",
          on: "contact_verified",
          reentry: "always",
          steps: [{ wait: "0s", template: "welcome", subject: "Welcome" }],
        });
      }),
    );
    sim.apply(ev.identify(T0, EMAIL));
    sim.apply(verified(T0 + MIN));
    sim.apply(verified(T0 + 2 * MIN));
    sim.apply(verified(T0 + DAY));
    sim.runUntil(T0 + 2 * DAY);
    expect(sim.sends("welcome-confirmed")).toHaveLength(1);
  });
});

describe("single opt-in", () => {
  it("sends at once and never asks for a confirmation", () => {
    const ev = events();
    const sim = new Sim(configWith());
    sim.apply(ev.identify(T0, EMAIL));
    sim.apply(ev.cart(T0, [ev.item("a")]));
    sim.runUntil(T0 + 3 * DAY);
    expect(sim.sends("cart-abandoned").map((s) => s.step)).toEqual([0, 1]);
    expect(sim.sends(CONFIRM_TRIGGER)).toHaveLength(0);
  });
});
