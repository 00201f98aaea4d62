// Property tests over random event histories and clocks, the invariants numbered as in
// docs/architecture.md: 1 (no send after a cancelling event that arrived before the step was due),
// 2 (each step at most once, every due step exactly one outcome), 5 (determinism, no mutation of
// inputs) and reentry.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { SiteConfig } from "../config/schema.ts";
import type { NudgeEvent } from "../ingest/events.ts";
import type { Effect } from "./effects.ts";
import type { Fact } from "./facts.ts";
import { apply, initialState, wake } from "./index.ts";
import type { EngineResult, VisitorState } from "./index.ts";
import { CONFIG, DAY, HOUR, MIN, T0, VID, configWith, events } from "./testkit.ts";

const QUIET = configWith((d) => {
  d.quietHours = { start: "21:00", end: "08:00" };
  d.requireConsent = true;
});
const ALWAYS = configWith((d) => {
  for (const t of d.triggers) if (t.id !== "welcome") t.reentry = "always";
  const wb = d.triggers.find((t) => t.id === "win-back");
  if (wb) wb.inactiveFor = "2d";
});

type Op =
  | { k: "cart"; dt: number; skus: string[] }
  | { k: "product"; dt: number; sku: string }
  | {
      k: "purchase" | "identify" | "formStart" | "page" | "click" | "wake" | "alarm" | "rewake";
      dt: number;
    }
  | { k: "formSubmit"; dt: number; email: boolean }
  | { k: "consent"; dt: number; yes: boolean }
  | { k: "dup"; dt: number; which: number };

const dt = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 0, max: 10 * MIN }),
  fc.integer({ min: 0, max: 3 * HOUR }),
  fc.integer({ min: 0, max: 3 * DAY }),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant("cart" as const), dt, skus: fc.subarray(["a", "b", "c"]) }),
  fc.record({ k: fc.constant("product" as const), dt, sku: fc.constantFrom("p1", "p2") }),
  fc.record({
    k: fc.constantFrom(
      "purchase" as const,
      "identify" as const,
      "formStart" as const,
      "page" as const,
      "click" as const,
      "wake" as const,
      "alarm" as const,
      "rewake" as const,
    ),
    dt,
  }),
  fc.record({ k: fc.constant("formSubmit" as const), dt, email: fc.boolean() }),
  fc.record({ k: fc.constant("consent" as const), dt, yes: fc.boolean() }),
  fc.record({ k: fc.constant("dup" as const), dt, which: fc.nat() }),
);
const scenario = fc.record({
  config: fc.constantFrom(CONFIG, QUIET, ALWAYS),
  tz: fc.constantFrom("UTC", "Europe/Paris", "America/New_York", null),
  birthday: fc.option(fc.constantFrom("01-06", "01-07", "1990-01-08"), { nil: undefined }),
  ops: fc.array(op, { minLength: 1, maxLength: 40 }),
});

interface Trace {
  /** Effects with the op index and clock that produced them. */
  effects: { i: number; now: number; e: Effect }[];
  /** Facts (domain events), likewise. */
  facts: { i: number; now: number; f: Fact }[];
  events: { i: number; now: number; name: string }[];
  results: EngineResult[];
  final: VisitorState;
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === "object" && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

function run(config: SiteConfig, tz: string | null, ops: Op[], birthday?: string): Trace {
  const ev = events();
  let state = deepFreeze(initialState(config.site, VID, T0));
  let now = T0;
  const t: Trace = { effects: [], facts: [], events: [], results: [], final: state };
  const sent: NudgeEvent[] = [];
  const take = (i: number, r: EngineResult) => {
    deepFreeze(r);
    state = r.state;
    t.results.push(r);
    for (const e of r.effects) t.effects.push({ i, now, e });
    for (const f of r.facts) t.facts.push({ i, now, f });
  };
  const send = (i: number, e: NudgeEvent) => {
    sent.push(e);
    t.events.push({ i, now, name: e.name });
    take(i, apply(state, e, config, now, tz));
  };
  ops.forEach((o, i) => {
    now += o.dt;
    switch (o.k) {
      case "cart":
        return send(
          i,
          ev.cart(
            now,
            o.skus.map((s) => ev.item(s)),
          ),
        );
      case "product":
        return send(i, ev.product(now, o.sku));
      case "purchase":
        return send(i, ev.purchase(now));
      case "identify":
        return send(i, ev.identify(now, "p@example.com", birthday ? { birthday } : {}));
      case "formStart":
        return send(i, ev.formStart(now));
      case "formSubmit":
        return send(i, ev.formSubmit(now, o.email ? "p@example.com" : undefined));
      case "page":
        return send(i, ev.page(now));
      case "click":
        return send(i, ev.click(now));
      case "consent":
        return send(i, ev.consent(now, o.yes));
      case "dup": {
        const old = sent[o.which % Math.max(1, sent.length)];
        if (old) take(i, apply(state, { ...old, at: now }, config, now, tz));
        return;
      }
      case "alarm": {
        const due = t.results[t.results.length - 1]?.nextDue ?? null;
        if (due !== null && due > now) now = due;
        return take(i, wake(state, config, now));
      }
      case "rewake":
        take(i, wake(state, config, now));
        return take(i, wake(state, config, now));
      case "wake":
        return take(i, wake(state, config, now));
    }
  });
  // Drain: let every alarm run for long enough that all episodes and holds resolve.
  const end = now + 40 * DAY;
  for (let n = 0; n < 500; n++) {
    const due = t.results[t.results.length - 1]?.nextDue ?? null;
    if (due === null || due > end) break;
    now = Math.max(now, due);
    take(ops.length, wake(state, config, now));
  }
  t.final = state;
  return t;
}

const triple = (f: Partial<Record<"trigger" | "episode" | "step", unknown>>) =>
  `${String(f.trigger)}|${String(f.episode)}|${String(f.step)}`;

const PROPS = { numRuns: 200 };

describe("engine invariants (fast-check)", () => {
  it("1: a cancelOn event that arrives before a step is due means that step is never sent", () => {
    fc.assert(
      fc.property(scenario, ({ config, tz, ops, birthday }) => {
        const t = run(config, tz, ops, birthday);
        const started = new Map<string, number>();
        for (const { i, f } of t.facts)
          if (f.type === "entered") started.set(`${f.trigger}|${f.episode}`, i);
        for (const { i, e } of t.effects) {
          const trig = config.triggers.find((x) => x.id === e.trigger);
          const bare = (trig?.cancelOn ?? []).filter((c): c is string => typeof c === "string");
          const from = started.get(`${e.trigger}|${e.episode}`) ?? -1;
          const cancel = t.events.find(
            (c) => bare.includes(c.name) && c.i > from && c.i <= i && c.now < e.due,
          );
          expect(cancel, `${e.key} sent after ${cancel?.name}`).toBeUndefined();
        }
      }),
      PROPS,
    );
  });

  it("2: each (trigger, episode, step) has at most one outcome, and every due step exactly one", () => {
    fc.assert(
      fc.property(scenario, ({ config, tz, ops, birthday }) => {
        const t = run(config, tz, ops, birthday);
        const outcomes = [
          ...t.effects.map(({ e }) => e),
          ...t.facts.flatMap(({ f }) => (f.type === "skipped" ? [f] : [])),
        ];
        const keys = outcomes.map((e) => e.key);
        expect(new Set(keys).size).toBe(keys.length);
        const sends = outcomes.filter((e) => e.type === "send").map((e) => triple(e));
        expect(new Set(sends).size).toBe(sends.length);
        const due = t.facts.flatMap(({ f }) => (f.type === "due" ? [triple(f)] : []));
        expect(new Set(due).size).toBe(due.length);
        expect(new Set(outcomes.map(triple))).toEqual(new Set(due));
        for (const ep of Object.values(t.final.engine.episodes)) expect(ep.held).toBeNull();
      }),
      PROPS,
    );
  });

  it("2b: a due step with a known email, consent and no conditions is sent", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        // Identify (with consent) first: every marketing step that comes due must be sent.
        const t = run(CONFIG, "UTC", [
          { k: "identify", dt: 0 },
          ...ops.filter((o) => o.k !== "consent"),
        ]);
        for (const { f } of t.facts)
          if (f.type === "skipped")
            expect(f.reason === "cancelled" || f.reason === "condition").toBe(true);
      }),
      PROPS,
    );
  });

  it("5: the same config, events and clock give deep-equal effects and states", () => {
    fc.assert(
      fc.property(scenario, ({ config, tz, ops, birthday }) => {
        const a = run(config, tz, ops, birthday);
        const b = run(config, tz, structuredClone(ops), birthday);
        expect(b.effects).toEqual(a.effects);
        expect(b.facts).toEqual(a.facts);
        expect(b.final).toEqual(a.final);
        expect(b.results.map((r) => r.nextDue)).toEqual(a.results.map((r) => r.nextDue));
      }),
      { numRuns: 100 },
    );
  });

  it("reentry: episodes that reach a step start at least `reentry` apart; never means once", () => {
    fc.assert(
      fc.property(scenario, ({ tz, ops, birthday }) => {
        const t = run(CONFIG, tz, ops, birthday);
        const startAt = new Map<string, number>();
        for (const { now, f } of t.facts)
          if (f.type === "entered") startAt.set(`${f.trigger}|${f.episode}`, now);
        const entries = (trigger: string) =>
          t.facts.flatMap(({ f }) =>
            f.type === "due" && f.trigger === trigger && f.step === 0
              ? [startAt.get(`${trigger}|${f.episode}`) ?? NaN]
              : [],
          );
        const cart = entries("cart-abandoned");
        for (let k = 1; k < cart.length; k++)
          expect((cart[k] ?? 0) - (cart[k - 1] ?? 0)).toBeGreaterThanOrEqual(DAY);
        expect(entries("welcome").length).toBeLessThanOrEqual(1);
      }),
      PROPS,
    );
  });
});
