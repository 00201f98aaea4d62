// Events from the store's systems in the engine: they vouch for the address, they share one
// episode across the person's devices, old ones only write history, and one order is one purchase.
import { describe, expect, it } from "vitest";
import type { NudgeEvent } from "../ingest/events.ts";
import { DAY, HOUR, MIN, Sim, T0, configWith, events } from "./testkit.ts";

const EMAIL = "ana@example.com";
const DOUBLE = configWith((d) => {
  d.optIn = "double";
});

const server = (e: NudgeEvent, extra: Partial<NudgeEvent> = {}): NudgeEvent =>
  ({ ...e, verified: "server", ...extra }) as NudgeEvent;

const purchase = (id: string, at: number, order: string, value = 30): NudgeEvent => ({
  id,
  at,
  name: "purchase",
  data: { order_id: order, value, currency: "EUR" },
});

describe("server events in the engine", () => {
  it("a verified identify needs no confirmation", () => {
    const ev = events();
    const sim = new Sim(DOUBLE);
    sim.apply(server(ev.identify(T0, EMAIL)));
    expect(sim.state.profile.verified).toBe(true);
    sim.apply(ev.cart(T0, [ev.item("a")]));
    sim.wake(T0 + HOUR);
    expect(sim.sends().map((s) => s.trigger)).toEqual(["cart-abandoned"]);
  });

  it("a user_hash identify is verified too; a plain one is not", () => {
    const ev = events();
    const sim = new Sim(DOUBLE);
    sim.apply(ev.identify(T0, EMAIL));
    expect(sim.state.profile.verified).toBe(false);
    sim.apply({ ...ev.identify(T0 + MIN, EMAIL), verified: "user_hash" });
    expect(sim.state.profile.verified).toBe(true);
  });

  it("starts the same episode on every device, so each step has one key", () => {
    const keys = ["vid-phone-0123456789", "vid-laptop-012345678"].map((vid) => {
      const ev = events();
      const sim = new Sim(configWith(), "UTC", vid);
      sim.apply(server(ev.identify(T0, EMAIL)));
      sim.apply(server(purchase("order-evt-1", T0 + MIN, "A-100")));
      sim.runUntil(T0 + 10 * DAY);
      return sim.sends("thank-you").map((s) => s.key);
    });
    expect(keys[0]).toHaveLength(2);
    expect(keys[0]).toEqual(keys[1]);
  });

  it("an event older than a day is history: it cancels and counts, but starts nothing", () => {
    const ev = events();
    const sim = new Sim();
    sim.apply(ev.identify(T0, EMAIL));
    sim.apply(ev.cart(T0, [ev.item("a")]));
    sim.apply(server(purchase("old-order-1", T0 - 3 * DAY, "OLD-1"), { history: true }));
    sim.runUntil(T0 + 10 * DAY);
    expect(sim.sends()).toEqual([]);
    expect(sim.state.profile.orders).toBe(1);
    expect(sim.logs("episode.cancelled")).toContainEqual(
      expect.objectContaining({ trigger: "cart-abandoned", reason: "cancelOn:purchase" }),
    );
  });
});

describe("one order, one purchase", () => {
  it("the backend reporting the browser's order again counts it once and thanks once", () => {
    const ev = events();
    const sim = new Sim();
    sim.apply(ev.identify(T0, EMAIL));
    sim.apply(purchase("browser-evt-1", T0 + MIN, "A-7", 40));
    sim.apply(server(purchase("backend-evt-1", T0 + 2 * MIN, "A-7", 40)));
    sim.runUntil(T0 + 10 * DAY);
    expect(sim.state.profile.orders).toBe(1);
    expect(sim.state.profile.revenue).toBe(40);
    expect(sim.logs("episode.started").filter((l) => l.trigger === "thank-you")).toHaveLength(1);
    expect(sim.logs("episode.restarted")).toEqual([]);
    expect(sim.sends("thank-you").map((s) => s.step)).toEqual([0, 1]);
  });

  it("two devices reporting one order share its episode (one key per step)", () => {
    const keys = ["vid-phone-0123456789", "vid-laptop-012345678"].map((vid, i) => {
      const ev = events();
      const sim = new Sim(configWith(), "UTC", vid);
      sim.apply(ev.identify(T0, EMAIL));
      sim.apply(purchase(`evt-${i}-browser`, T0 + MIN, "B-9"));
      sim.runUntil(T0 + 10 * DAY);
      return sim.sends("thank-you").map((s) => s.key);
    });
    expect(keys[0]).toEqual(keys[1]);
  });

  it("two people never share a key, even with a reused order id", () => {
    const keys = ["ana@example.com", "bo@example.com"].map((email) => {
      const ev = events();
      const sim = new Sim();
      sim.apply(ev.identify(T0, email));
      sim.apply(purchase("same-evt-1", T0 + MIN, "REUSED-1"));
      sim.runUntil(T0 + DAY);
      return sim.sends("thank-you")[0]?.key;
    });
    expect(keys[0]).toBeDefined();
    expect(keys[0]).not.toBe(keys[1]);
  });

  it("a different order is another purchase", () => {
    const ev = events();
    const sim = new Sim();
    sim.apply(ev.identify(T0, EMAIL));
    sim.apply(purchase("p1-evt-x", T0 + MIN, "C-1", 10));
    sim.apply(purchase("p2-evt-x", T0 + 2 * MIN, "C-2", 15));
    expect(sim.state.profile.orders).toBe(2);
    expect(sim.state.profile.revenue).toBe(25);
  });
});
