// Clock-driven triggers: win-back (inactiveFor from last activity), yearly dates at a local
// time in the visitor's zone, and the derived session_end after 30 minutes idle.
import { describe, expect, it } from "vitest";
import { DAY, HOUR, MIN, Sim, T0, configWith, events } from "./testkit.ts";

const EMAIL = "cy@example.com";

describe("win-back (inactiveFor 30d, if contact.orders >= 1)", () => {
  it("fires 30 days after the last activity of a customer", () => {
    const ev = events();
    const sim = new Sim();
    sim.apply(ev.identify(T0, EMAIL));
    sim.apply(ev.purchase(T0));
    sim.apply(ev.page(T0 + 10 * DAY));
    sim.runUntil(T0 + 39 * DAY);
    expect(sim.sends("win-back")).toEqual([]);
    sim.runUntil(T0 + 41 * DAY);
    expect(sim.sends("win-back")).toMatchObject([{ due: T0 + 40 * DAY, step: 0 }]);
    sim.runUntil(T0 + 100 * DAY);
    expect(sim.sends("win-back")).toHaveLength(1); // one per stretch of inactivity
  });
  it("does not fire for visitors who never ordered", () => {
    const ev = events();
    const sim = new Sim();
    sim.apply(ev.identify(T0, EMAIL));
    sim.runUntil(T0 + 60 * DAY);
    expect(sim.outcomes("win-back")).toEqual([]);
  });
  it("a check that could start nothing is not scheduled: no wake-up until an order makes it count", () => {
    const ev = events();
    const sim = new Sim();
    sim.apply(ev.identify(T0, EMAIL));
    sim.apply(ev.page(T0 + HOUR));
    expect(sim.last?.nextDue).toBeNull(); // no order: the 30-day check would start nothing
    sim.wake(T0 + 31 * DAY);
    expect(sim.facts).toEqual([]); // nothing was due meanwhile
    sim.apply(ev.purchase(T0 + 40 * DAY));
    sim.runUntil(T0 + 48 * DAY); // the thank-you and the review request 7 days on
    expect(sim.last?.nextDue).toBe(T0 + 70 * DAY); // a customer now: checked 30 days on
    sim.runUntil(T0 + 71 * DAY);
    expect(sim.sends("win-back")).toMatchObject([{ due: T0 + 70 * DAY, step: 0 }]);
  });
  it("a check left out is spent when its time passes: a later confirmation starts nothing", () => {
    // Win-back for anyone with an address; a confirmation (not activity) brings one too late.
    const config = configWith((d) => {
      const wb = d.triggers.find((t) => t.id === "win-back");
      if (wb) wb.if = { "contact.email": { exists: true } };
    });
    const sim = new Sim(config);
    sim.apply(events().page(T0));
    expect(sim.last?.nextDue).toBeNull(); // no address: the check would start nothing
    const verified = { id: "v1", name: "contact_verified", data: { email: EMAIL } } as const;
    sim.apply({ ...verified, at: T0 + 35 * DAY });
    sim.runUntil(T0 + 40 * DAY);
    expect(sim.outcomes("win-back")).toEqual([]);
    // The same confirmation before the check's time: the check then holds and runs.
    const early = new Sim(config);
    early.apply(events().page(T0));
    early.apply({ ...verified, at: T0 + 5 * DAY });
    expect(early.last?.nextDue).toBe(T0 + 30 * DAY);
    early.runUntil(T0 + 31 * DAY);
    expect(early.sends("win-back")).toMatchObject([{ due: T0 + 30 * DAY }]);
  });
  it("server events (opens, clicks) are not activity; a visit cancels a waiting win-back", () => {
    const config = configWith((d) => {
      const wb = d.triggers.find((t) => t.id === "win-back");
      const step = wb?.steps[0];
      if (step) step.wait = "2d";
    });
    const ev = events();
    const sim = new Sim(config);
    sim.apply(ev.identify(T0, EMAIL));
    sim.apply(ev.purchase(T0));
    sim.apply(ev.click(T0 + 20 * DAY));
    sim.runUntil(T0 + 31 * DAY);
    expect(sim.logs("episode.started").filter((f) => f.trigger === "win-back")).toHaveLength(1);
    sim.apply(ev.page(T0 + 31 * DAY));
    expect(sim.logs("episode.cancelled")).toContainEqual(
      expect.objectContaining({ trigger: "win-back", reason: "activity" }),
    );
    sim.runUntil(T0 + 40 * DAY);
    expect(sim.sends("win-back")).toEqual([]);
  });
});

describe("birthday (date contact.birthday at 09:00 local)", () => {
  it("fires yearly at 09:00 in the visitor's zone", () => {
    const ev = events();
    const sim = new Sim(undefined, "America/New_York");
    sim.apply(ev.identify(T0, EMAIL, { birthday: "03-04" }));
    const first = Date.UTC(2026, 2, 4, 14); // 09:00 EST
    sim.runUntil(first - 1); // passes win-back's 30-day check (no orders: nothing)
    expect(sim.sends("birthday")).toEqual([]);
    expect(sim.last?.nextDue).toBe(first);
    sim.wake(first);
    expect(sim.sends("birthday")).toMatchObject([{ due: first, template: "birthday" }]);
    sim.wake(first + HOUR);
    sim.apply(ev.identify(first + 2 * HOUR, EMAIL, { birthday: "03-04" }));
    expect(sim.sends("birthday")).toHaveLength(1);
    sim.runUntil(Date.UTC(2027, 2, 5));
    expect(sim.sends("birthday").map((s) => s.due)).toEqual([first, Date.UTC(2027, 2, 4, 14)]);
  });
  it("accepts YYYY-MM-DD and dedupes across devices of one contact by key", () => {
    const keyFor = (vid: string) => {
      const ev = events();
      const sim = new Sim(undefined, "UTC", vid);
      sim.apply(ev.identify(T0, EMAIL, { birthday: "1990-01-20" }));
      sim.runUntil(Date.UTC(2026, 0, 21));
      return sim.sends("birthday")[0]?.key;
    };
    const a = keyFor("device-aaaaaaaaaaaaaa");
    expect(a).toBeDefined();
    expect(keyFor("device-bbbbbbbbbbbbbb")).toBe(a);
  });
  it("does nothing without a date", () => {
    const ev = events();
    const sim = new Sim();
    sim.apply(ev.identify(T0, EMAIL));
    sim.runUntil(T0 + 400 * DAY);
    expect(sim.outcomes("birthday")).toEqual([]);
  });
});

describe("session_end (derived after the site's sessionIdle, 30 min by default)", () => {
  const config = configWith((d) => {
    d.triggers.push({
      id: "post-visit",
      on: "session_end",
      if: { "visitor.page_views": { gte: 2 } },
      cancelOn: ["purchase"],
      steps: [{ wait: "1h", template: "post-visit", subject: "Thanks for visiting" }],
    });
  });
  it("is derived 30 minutes after the last activity, and activity pushes it back", () => {
    const ev = events();
    const sim = new Sim(config);
    sim.apply(ev.identify(T0, EMAIL));
    sim.apply(ev.page(T0));
    sim.apply(ev.page(T0 + 20 * MIN));
    expect(sim.last?.nextDue).toBe(T0 + 50 * MIN);
    sim.wake(T0 + 49 * MIN);
    expect(sim.logs("episode.started").filter((f) => f.trigger === "post-visit")).toEqual([]);
    sim.runUntil(T0 + 3 * HOUR);
    expect(sim.sends("post-visit")).toMatchObject([{ due: T0 + 50 * MIN + HOUR }]);
    sim.runUntil(T0 + 10 * HOUR);
    expect(sim.sends("post-visit")).toHaveLength(1);
  });
  it("follows the site's sessionIdle", () => {
    const ev = events();
    const sim = new Sim(
      configWith((d) => {
        d.sessionIdle = "10m";
        d.triggers.push({
          id: "post-visit",
          on: "session_end",
          steps: [{ wait: "0s", template: "post-visit", subject: "Thanks for visiting" }],
        });
      }),
    );
    sim.apply(ev.identify(T0, EMAIL));
    sim.apply(ev.page(T0));
    expect(sim.last?.nextDue).toBe(T0 + 10 * MIN);
    sim.runUntil(T0 + HOUR);
    expect(sim.sends("post-visit")).toMatchObject([{ due: T0 + 10 * MIN }]);
  });
  it("is not scheduled when no trigger uses it", () => {
    const ev = events();
    const sim = new Sim();
    sim.apply(ev.identify(T0, EMAIL));
    sim.apply(ev.purchase(T0));
    sim.runUntil(T0 + 8 * DAY); // the thank-you and the review request 7 days on
    sim.apply(ev.page(T0 + 9 * DAY));
    // Only win-back's check (a customer's): no session_end 30 minutes after the page.
    expect(sim.last?.nextDue).toBe(T0 + 39 * DAY);
  });
});
