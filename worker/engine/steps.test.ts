// Step firing: no email (held, then sent or skipped), consent, step `if`, quiet hours,
// variants, transactional triggers, removed triggers and retention.
import { describe, expect, it } from "vitest";
import { expiresAt } from "./index.ts";
import { CONFIG, DAY, HOUR, MIN, Sim, T0, configWith, events } from "./testkit.ts";

const EMAIL = "bo@example.com";

describe("a due step with no known email", () => {
  it("is held, logged once, and sent when the email arrives before the next step", () => {
    const ev = events();
    const sim = new Sim();
    sim.apply(ev.cart(T0, [ev.item("a")]));
    sim.wake(T0 + HOUR);
    expect(sim.sends()).toHaveLength(0);
    expect(sim.logs("step.held")).toEqual([
      expect.objectContaining({ reason: "no_email", step: 1 }),
    ]);
    expect(sim.logs("send.skipped")).toEqual([]);
    sim.wake(T0 + HOUR); // alarm re-run: nothing new
    expect(sim.logs("step.held")).toHaveLength(1);
    const r = sim.apply(ev.identify(T0 + 5 * HOUR, EMAIL));
    expect(r.effects.filter((e) => e.type === "send")).toMatchObject([
      { step: 0, email: EMAIL, due: T0 + HOUR },
    ]);
    sim.runUntil(T0 + 3 * DAY);
    expect(sim.sends("cart-abandoned").map((s) => s.step)).toEqual([0, 1]);
    expect(sim.outcomes().filter((e) => e.type === "skipped")).toEqual([]);
  });

  it("is skipped with no_email once the next step is due", () => {
    const ev = events();
    const sim = new Sim();
    sim.apply(ev.cart(T0, [ev.item("a")]));
    sim.runUntil(T0 + HOUR + DAY);
    expect(sim.outcomes("cart-abandoned")).toMatchObject([
      { type: "skipped", step: 0, reason: "no_email" },
    ]);
    // Decided by the engine, once: its count needs no dedupe row (stats/from-facts.ts).
    expect(sim.facts.filter((f) => f.type === "skipped")).toMatchObject([{ engine: true }]);
    sim.apply(ev.identify(T0 + HOUR + DAY + MIN, EMAIL));
    expect(sim.outcomes("cart-abandoned")).toMatchObject([
      { type: "skipped", step: 0 },
      { type: "send", step: 1 },
    ]);
  });

  it("a last step waits 24 h for an email, then is skipped", () => {
    const ev = events();
    const sim = new Sim();
    sim.apply(ev.formStart(T0));
    sim.runUntil(T0 + 30 * MIN + DAY - 1);
    expect(sim.outcomes("form-abandoned")).toEqual([]);
    sim.runUntil(T0 + 30 * MIN + DAY);
    expect(sim.outcomes("form-abandoned")).toMatchObject([{ type: "skipped", reason: "no_email" }]);
    expect(sim.logs("episode.completed")).toHaveLength(1);
  });

  it("a cancelling event while held records the step as cancelled, never sent", () => {
    const ev = events();
    const sim = new Sim();
    sim.apply(ev.cart(T0, [ev.item("a")]));
    sim.wake(T0 + HOUR);
    sim.apply(ev.purchase(T0 + 2 * HOUR));
    sim.apply(ev.identify(T0 + 3 * HOUR, EMAIL));
    expect(sim.sends("cart-abandoned")).toEqual([]);
    expect(sim.outcomes("cart-abandoned")).toMatchObject([
      { type: "skipped", reason: "cancelled" },
    ]);
  });
});

describe("consent", () => {
  it("an explicit opt-out skips marketing steps with no_consent", () => {
    const ev = events();
    const sim = new Sim();
    sim.apply(ev.identify(T0, EMAIL));
    sim.apply(ev.consent(T0, false));
    sim.apply(ev.cart(T0, [ev.item("a")]));
    sim.wake(T0 + HOUR);
    expect(sim.outcomes("cart-abandoned")).toMatchObject([
      { type: "skipped", reason: "no_consent" },
    ]);
  });
  it("requireConsent needs an explicit yes; transactional triggers do not", () => {
    const config = configWith((d) => {
      d.requireConsent = true;
      const ty = d.triggers.find((t) => t.id === "thank-you");
      if (ty) ty.marketing = false;
    });
    const ev = events();
    const sim = new Sim(config);
    sim.apply(ev.identify(T0, EMAIL));
    sim.apply(ev.cart(T0, [ev.item("a")]));
    sim.wake(T0 + HOUR);
    expect(sim.outcomes("cart-abandoned")).toMatchObject([
      { type: "skipped", reason: "no_consent" },
    ]);
    sim.apply(ev.purchase(T0 + 2 * HOUR));
    expect(sim.sends("thank-you")).toMatchObject([{ marketing: false }]);

    const s2 = new Sim(config);
    s2.apply(ev.identify(T0, EMAIL));
    s2.apply(ev.consent(T0, true));
    s2.apply(ev.cart(T0, [ev.item("a")]));
    s2.wake(T0 + HOUR);
    expect(s2.sends("cart-abandoned")).toHaveLength(1);
  });
});

describe("step if", () => {
  it("is checked at send time", () => {
    const config = configWith((d) => {
      const step = d.triggers[0]?.steps[0];
      if (step) step.if = { "cart.value": { gte: 50 } };
    });
    const ev = events();
    const sim = new Sim(config);
    sim.apply(ev.identify(T0, EMAIL));
    sim.apply(ev.cart(T0, [ev.item("a", 10)]));
    sim.apply(ev.cart(T0 + 10 * MIN, [ev.item("a", 10), ev.item("b", 45)]));
    sim.wake(T0 + 10 * MIN + HOUR);
    expect(sim.sends("cart-abandoned")).toHaveLength(1);

    const s2 = new Sim(config);
    s2.apply(ev.identify(T0, EMAIL));
    s2.apply(ev.cart(T0, [ev.item("a", 60)]));
    s2.apply(ev.cart(T0 + 10 * MIN, [ev.item("a", 10)]));
    s2.wake(T0 + 10 * MIN + HOUR);
    expect(s2.outcomes("cart-abandoned")).toMatchObject([{ type: "skipped", reason: "condition" }]);
  });
});

describe("quiet hours", () => {
  const quiet = configWith((d) => {
    d.quietHours = { start: "21:00", end: "08:00" };
  });
  it("defer a step due at night to the end of the window in the visitor's zone", () => {
    const ev = events();
    const sim = new Sim(quiet, "Europe/Paris");
    const at = Date.UTC(2026, 0, 5, 20, 30); // 21:30 in Paris
    sim.apply(ev.identify(at, EMAIL));
    sim.apply(ev.cart(at, [ev.item("a")]));
    sim.wake(at + HOUR);
    expect(sim.sends()).toEqual([]);
    expect(sim.logs("step.deferred")).toMatchObject([{ reason: "quiet_hours" }]);
    const morning = Date.UTC(2026, 0, 6, 7); // 08:00 in Paris
    expect(sim.last?.nextDue).toBe(morning);
    sim.wake(morning);
    expect(sim.sends()).toMatchObject([{ step: 0, due: morning }]);
    expect(sim.last?.nextDue).toBe(morning + DAY);
  });
  it("a trigger can opt out with quietHours: false; webhooks ignore them", () => {
    const loud = configWith((d) => {
      d.quietHours = { start: "21:00", end: "08:00" };
      const t = d.triggers[0];
      if (t) t.quietHours = false;
    });
    const ev = events();
    const sim = new Sim(loud, "UTC");
    const at = Date.UTC(2026, 0, 5, 21, 30);
    sim.apply(ev.identify(at, EMAIL));
    sim.apply(ev.cart(at, [ev.item("a")]));
    sim.apply(ev.click(at));
    sim.wake(at + HOUR);
    expect(sim.sends("cart-abandoned")).toHaveLength(1);
    sim.wake(at + DAY);
    expect(sim.outcomes("clicked-no-purchase")).toMatchObject([{ type: "webhook", due: at + DAY }]);
  });
});

describe("variants", () => {
  it("split deterministically by contact and trigger", () => {
    const config = configWith((d) => {
      const wb = d.triggers.find((t) => t.id === "win-back");
      if (wb) wb.inactiveFor = "1h";
    });
    const seen = new Map<number, number>();
    for (let i = 0; i < 60; i++) {
      const pick = () => {
        const ev = events();
        const sim = new Sim(config, "UTC", `visitor-${String(i).padStart(12, "0")}`);
        sim.apply(ev.identify(T0, `c${i}@example.com`));
        sim.apply(ev.purchase(T0));
        sim.runUntil(T0 + 2 * HOUR);
        return sim.sends("win-back")[0];
      };
      const a = pick();
      const b = pick();
      expect(a?.variant).toBe(b?.variant);
      expect(a?.template).toBe(a?.variant === 0 ? "win-back" : "win-back-offer");
      expect(a?.subject).toMatch(a?.variant === 0 ? /^We miss you$/ : /We saved you a seat/);
      seen.set(a?.variant ?? -1, (seen.get(a?.variant ?? -1) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual([0, 1]);
  });

  /** A config whose win-back step has two variants with these weights (and a short idle). */
  const weighted = (w0?: number, w1?: number) =>
    configWith((d) => {
      const wb = d.triggers.find((t) => t.id === "win-back");
      if (!wb) throw new Error("win-back");
      wb.inactiveFor = "1h";
      wb.reentry = "always";
      const step = wb.steps[0] as { variants?: Record<string, unknown>[] };
      step.variants = [
        { template: "win-back", ...(w0 ? { weight: w0 } : {}) },
        { template: "win-back-offer", ...(w1 ? { weight: w1 } : {}) },
      ];
    });
  /** The variant `email` gets on one device (`vid`), across `episodes` re-entries. */
  function variantsOf(
    config: ReturnType<typeof weighted>,
    email: string,
    vid: string,
    episodes = 1,
  ) {
    const ev = events();
    const sim = new Sim(config, "UTC", vid);
    sim.apply(ev.identify(T0, email));
    for (let k = 0; k < episodes; k++) {
      sim.apply(ev.purchase(T0 + k * 3 * HOUR));
      sim.runUntil(T0 + k * 3 * HOUR + 2 * HOUR);
    }
    return sim.sends("win-back").map((x) => x.variant);
  }

  it("are the same for one person on every device and every re-entry", () => {
    const config = weighted();
    for (let i = 0; i < 20; i++) {
      const email = `person${i}@example.com`;
      const phone = variantsOf(config, email, `phone-${String(i).padStart(12, "0")}`, 3);
      const laptop = variantsOf(config, email, `laptop-${String(i).padStart(11, "0")}`, 2);
      expect(phone).toHaveLength(3); // three episodes, three sends
      expect(new Set([...phone, ...laptop]).size).toBe(1);
    }
  });

  it("split people near the configured weights", () => {
    const share = (config: ReturnType<typeof weighted>) => {
      let offer = 0;
      const n = 2000;
      for (let i = 0; i < n; i++) {
        const ev = events();
        const sim = new Sim(config, "UTC", `v-${String(i).padStart(14, "0")}`);
        sim.apply(ev.identify(T0, `split${i}@example.com`));
        sim.apply(ev.purchase(T0));
        sim.runUntil(T0 + 2 * HOUR);
        if (sim.sends("win-back")[0]?.variant === 1) offer++;
      }
      return offer / n;
    };
    expect(share(weighted())).toBeCloseTo(0.5, 1);
    const skewed = share(weighted(1, 3));
    expect(skewed).toBeGreaterThan(0.71);
    expect(skewed).toBeLessThan(0.79);
  });
});

describe("config changes and retention", () => {
  it("an episode whose trigger was removed ends with a log line", () => {
    const ev = events();
    const sim = new Sim();
    sim.apply(ev.cart(T0, [ev.item("a")]));
    sim.config = configWith((d) => {
      d.triggers = d.triggers.filter((t) => t.id !== "cart-abandoned");
    });
    sim.wake(T0 + HOUR);
    expect(sim.logs("episode.cancelled")).toMatchObject([{ reason: "trigger_removed" }]);
    expect(sim.state.engine.episodes).toEqual({});
  });
  it("visitor state expires after lastSeen + retention", () => {
    const ev = events();
    const sim = new Sim();
    sim.apply(ev.page(T0 + DAY));
    expect(expiresAt(sim.state, CONFIG)).toBe(T0 + DAY + 400 * DAY);
  });
});
