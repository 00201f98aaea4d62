// The funnel is monotone whatever order and however often things are reported: random episodes
// (entered, steps due, sent / skipped / failed / held out) and random engagement (our pixel and
// links, Resend's delivered, opened and clicked webhooks, repeated, for sent and unsent keys), each
// send outcome and report recorded 1–3 times (retried deliveries and calls; an episode's entry
// and due steps once, as the engine decides them once), shuffled, through the pure projections
// (from-facts.ts, contact/record.ts engagementStats), the shard's dedupe (rows.ts countOnce) and
// the report (report.ts).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { freshRecord, engagementStats, type Engagement } from "../contact/record.ts";
import type { Fact } from "../engine/facts.ts";
import { statsOfFacts } from "./from-facts.ts";
import { buildReport, type Funnel, type Report } from "./report.ts";
import { countOnce, dayOf, sumCounters, toCounter } from "./rows.ts";
import type { StatEvent } from "./types.ts";

const SITE = "shop";
const T0 = Date.UTC(2026, 3, 1);
const HOUR = 3_600_000;
const CONTACT = "c0ffee";

type Outcome = "sent" | "skipped" | "failed";
type Action = "pixel_open" | "webhook_open" | "webhook_delivered" | "click" | "webhook_click";

const actionArb = fc.constantFrom<Action>(
  "pixel_open",
  "webhook_open",
  "webhook_delivered",
  "click",
  "webhook_click",
);

interface StepPlan {
  outcome: Outcome;
  variant: number | null;
  wait: number;
  delay: number;
  actions: [Action, number][];
}

const stepArb: fc.Arbitrary<StepPlan> = fc.record({
  outcome: fc.constantFrom<Outcome>("sent", "skipped", "failed"),
  variant: fc.constantFrom<number | null>(null, 0, 1),
  /** Hours after the previous step (or the entry) it came due. */
  wait: fc.integer({ min: 0, max: 60 }),
  /** Hours from due to the outcome (holds, retries). */
  delay: fc.integer({ min: 0, max: 30 }),
  /** Engagement reports (hours after the send), in any number and order. */
  actions: fc.array(fc.tuple(actionArb, fc.integer({ min: 0, max: 72 })), { maxLength: 6 }),
});

interface EpisodePlan {
  trigger: string;
  holdout: boolean;
  start: number;
  steps: StepPlan[];
}

const episodeArb: fc.Arbitrary<EpisodePlan> = fc.record({
  trigger: fc.constantFrom("cart", "browse"),
  holdout: fc.boolean(),
  start: fc.integer({ min: 0, max: 96 }),
  /** Steps that came due (0: cancelled before the first). */
  steps: fc.array(stepArb, { maxLength: 3 }),
});

const ENGAGEMENT: Record<Action, Engagement> = {
  pixel_open: "open",
  webhook_open: "open",
  webhook_delivered: "delivered",
  click: "click",
  webhook_click: "click",
};

interface Built {
  events: StatEvent[];
  /** Per trigger: sends that were opened, clicked, known delivered (the unique truth). */
  truth: Map<string, { sent: number; opened: number; clicked: number; delivered: number }>;
}

/** The measurement events of a random history, each fact and report repeated `times`. */
function build(
  episodes: readonly EpisodePlan[],
  repeats: readonly number[],
  strays: readonly [number, Action][],
): Built {
  const rec = freshRecord(SITE, "ada@example.com");
  const events: StatEvent[] = [];
  const engagement: (() => StatEvent[])[] = [];
  const truth: Built["truth"] = new Map();
  let r = 0;
  const times = () => 1 + ((repeats[r++ % Math.max(1, repeats.length)] ?? 0) % 3);
  const emit = (facts: Fact[], at: number) => {
    for (let i = times(); i > 0; i--) events.push(...statsOfFacts(SITE, facts, at, CONTACT));
  };
  /** Entry and due steps are decided once, in the Visitor's storing transaction (a retried
   * batch or alarm decides nothing again: test/workers/stats.test.ts), so reported once. */
  const decided = (facts: Fact[], at: number) =>
    events.push(...statsOfFacts(SITE, facts, at, CONTACT));
  const unsent: {
    key: string;
    ref: { trigger: string; episode: string; step: number; variant: number | null };
  }[] = [];
  episodes.forEach((ep, n) => {
    const episode = `e${n}`;
    const t = truth.get(ep.trigger) ?? { sent: 0, opened: 0, clicked: 0, delivered: 0 };
    truth.set(ep.trigger, t);
    let at = T0 + ep.start * HOUR;
    decided([{ type: "entered", trigger: ep.trigger, episode, holdout: ep.holdout, due: at }], at);
    ep.steps.forEach((s, step) => {
      at += s.wait * HOUR;
      decided([{ type: "due", trigger: ep.trigger, episode, step, holdout: ep.holdout }], at);
      const key = `${SITE}.${ep.trigger}.${episode}.${step}`;
      const ref = {
        key,
        trigger: ep.trigger,
        episode,
        step,
        variant: s.variant,
        holdout: ep.holdout,
      };
      const done = at + s.delay * HOUR;
      const fact: Fact = ep.holdout
        ? { ...ref, type: "withheld", channel: "email" }
        : s.outcome === "sent"
          ? { ...ref, type: "sent", channel: "email", id: `m${n}.${step}` }
          : s.outcome === "skipped"
            ? { ...ref, type: "skipped", reason: "capped" }
            : { ...ref, type: "failed", channel: "email", reason: "http_422", gaveUp: false };
      emit([fact], done);
      const sent = !ep.holdout && s.outcome === "sent";
      if (sent) {
        rec.policy.ledger[key] = { outcome: "sent", at: done, messageId: `m${n}.${step}` };
        t.sent++;
        const kinds = new Set(s.actions.map(([a]) => ENGAGEMENT[a]));
        if (kinds.has("open")) t.opened++;
        if (kinds.has("click")) t.clicked++;
        if (kinds.size > 0) t.delivered++;
      } else {
        if (!ep.holdout) rec.policy.ledger[key] = { outcome: s.outcome as "skipped", at: done };
        unsent.push({ key, ref });
      }
      // Engagement is computed later, once the ledger is complete (as the Contact object has it).
      for (const [a] of s.actions) {
        engagement.push(() => engagementStats(rec, key, ref, ENGAGEMENT[a], CONTACT));
      }
    });
  });
  // Reports about keys that were never sent (a held-out or skipped step, a forged key).
  for (const [i, a] of strays) {
    const u = unsent[i % Math.max(1, unsent.length)];
    if (u) engagement.push(() => engagementStats(rec, u.key, u.ref, ENGAGEMENT[a], CONTACT));
  }
  for (const f of engagement) for (let i = times(); i > 0; i--) events.push(...f());
  return { events, truth };
}

/** The shard's dedupe over events in the given order, then the report over [from, to]. */
function report(events: readonly StatEvent[], from: string, to: string): Report {
  const seen = new Set<string>();
  const { counted } = countOnce(events, (trigger, metric, unique) => {
    const k = `${trigger}\n${metric}\n${unique}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return buildReport([{ rows: sumCounters(counted.map(toCounter)), failures: [] }], {
    site: SITE,
    from,
    to,
  });
}

/** Deterministic shuffle by a list of random keys. */
function shuffle<T>(list: readonly T[], keys: readonly number[]): T[] {
  return list
    .map((x, i) => ({ x, k: keys[i % Math.max(1, keys.length)]! * 1000 + i }))
    .sort((a, b) => a.k - b.k)
    .map((p) => p.x);
}

function expectEmailsMonotone(f: Funnel, where: string): void {
  expect(f.sent + f.skipped + f.failed, `${where}: sent+skipped+failed ≤ due`).toBeLessThanOrEqual(
    f.due,
  );
  expect(f.delivered, `${where}: delivered ≤ sent`).toBeLessThanOrEqual(f.sent);
  expect(f.opened, `${where}: opened ≤ delivered`).toBeLessThanOrEqual(f.delivered);
  expect(f.clicked, `${where}: clicked ≤ delivered`).toBeLessThanOrEqual(f.delivered);
}

describe("the funnel over random event streams", () => {
  it("never shows a later stage above an earlier one, and counts opens and clicks once per send", () => {
    fc.assert(
      fc.property(
        fc.array(episodeArb, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
        fc.array(fc.tuple(fc.nat(), actionArb), { maxLength: 4 }),
        (episodes, repeats, order, strays) => {
          const { events, truth } = build(episodes, repeats, strays);
          const stream = shuffle(events, order);
          const days = [...new Set(stream.map((e) => dayOf(e.at)))].sort();
          const all = report(stream, days[0]!, days.at(-1)!);
          for (const t of all.triggers) {
            for (const [group, f] of [
              ["treated", t.funnel],
              ["holdout", t.holdout],
            ] as const) {
              const where = `${t.trigger}/${group}`;
              expect(f.firstStepDue, `${where}: step 1 due ≤ entered`).toBeLessThanOrEqual(
                f.entered,
              );
              expectEmailsMonotone(f, where);
              // Per step (variants together): a later step is due no more often than an earlier.
              const dueOf = (step: number) =>
                t.steps
                  .filter((s) => s.step === step)
                  .reduce((n, s) => n + (group === "treated" ? s.funnel : s.holdout).due, 0);
              expect(dueOf(1), `${where}: step 1 due`).toBe(f.firstStepDue);
              for (let k = 2; k <= 3; k++) {
                expect(dueOf(k), `${where}: step ${k} ≤ step ${k - 1}`).toBeLessThanOrEqual(
                  dueOf(k - 1),
                );
              }
            }
            // Unique per send: exactly the sends with at least one report.
            const want = truth.get(t.trigger)!;
            expect(t.funnel).toMatchObject({
              sent: want.sent,
              opened: want.opened,
              clicked: want.clicked,
              delivered: want.delivered,
            });
            expect(t.holdout).toMatchObject({ delivered: 0, opened: 0, clicked: 0 });
          }
          expectEmailsMonotone(all.totals, "totals");
          // Any single day: engagement sits on its send's day, so never above that day's sends.
          for (const day of days) {
            const d = report(stream, day, day);
            for (const t of d.triggers) {
              expect(t.funnel.delivered, `${day} ${t.trigger}`).toBeLessThanOrEqual(t.funnel.sent);
              expect(t.funnel.opened, `${day} ${t.trigger}`).toBeLessThanOrEqual(
                t.funnel.delivered,
              );
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
