// The pure report: lift and its interval by hand, merging shards, reasons, day bucketing.
import { describe, expect, it } from "vitest";
import { buildReport, lift } from "./report.ts";
import { dayOf, sumCounters, toCounter, type CounterRow, type ShardResult } from "./rows.ts";
import { parseStatsQuery } from "./schema.ts";
import type { StatEvent } from "./types.ts";

const T0 = Date.UTC(2026, 3, 10, 12); // 2026-04-10 12:00 UTC

function ev(p: Partial<StatEvent> & Pick<StatEvent, "metric">): StatEvent {
  return { site: "s", trigger: "cart", step: 0, variant: null, group: "treated", at: T0, ...p };
}

/** Rows as one shard would return them for these events. */
function shard(events: StatEvent[], failures: ShardResult["failures"] = []): ShardResult {
  return { rows: sumCounters(events.map(toCounter)), failures };
}

function row(p: Partial<CounterRow> & Pick<CounterRow, "metric" | "count">): CounterRow {
  return {
    day: "2026-04-10",
    trigger: "cart",
    step: null,
    variant: null,
    group: "treated",
    reason: "",
    currency: "",
    sum: 0,
    ...p,
  };
}

const RANGE = { site: "s", from: "2026-04-08", to: "2026-04-12" };

describe("lift", () => {
  it("matches a hand-computed Wald interval", () => {
    // Treated 80/1000 → p1 = 0.08; holdout 5/100 → p2 = 0.05; d = 0.03.
    // Var = 0.08·0.92/1000 + 0.05·0.95/100 = 0.0000736 + 0.000475 = 0.0005486
    // SE = sqrt(0.0005486) = 0.0234222…; 1.96·SE = 0.0459075…
    // CI = [0.03 − 0.0459075, 0.03 + 0.0459075] = [−0.0159075, 0.0759075]
    const l = lift({ entered: 1000, converted: 80 }, { entered: 100, converted: 5 });
    expect(l.treated.rate).toBeCloseTo(0.08, 12);
    expect(l.holdout.rate).toBeCloseTo(0.05, 12);
    expect(l.difference).toBeCloseTo(0.03, 12);
    expect(l.interval?.[0]).toBeCloseTo(-0.0159075, 6);
    expect(l.interval?.[1]).toBeCloseTo(0.0759075, 6);
    expect(l.relative).toBeCloseTo(0.6, 12); // 0.03 / 0.05
    expect(l.enoughData).toBe(true);
  });

  it("has no difference or interval when either group is empty", () => {
    for (const [t, h] of [
      [0, 100],
      [100, 0],
      [0, 0],
    ] as const) {
      const l = lift({ entered: t, converted: 0 }, { entered: h, converted: 0 });
      expect(l.difference).toBeNull();
      expect(l.interval).toBeNull();
      expect(l.relative).toBeNull();
      expect(l.enoughData).toBe(false);
    }
  });

  it("flags small samples and caps conversions at entries", () => {
    const l = lift({ entered: 40, converted: 3 }, { entered: 10, converted: 1 });
    expect(l.enoughData).toBe(false);
    expect(l.interval).not.toBeNull();
    const capped = lift({ entered: 2, converted: 5 }, { entered: 2, converted: 0 });
    expect(capped.treated.converted).toBe(2);
    expect(capped.treated.rate).toBe(1);
    // p = 1 and p = 0 give a zero-width interval, not NaN.
    expect(capped.interval).toEqual([1, 1]);
  });
});

describe("buildReport", () => {
  it("merges shards: the same counter in several shards adds up", () => {
    const a = shard([ev({ metric: "sent" }), ev({ metric: "sent" }), ev({ metric: "opened" })]);
    const b = shard([ev({ metric: "sent" }), ev({ metric: "clicked" })]);
    const c = shard([ev({ metric: "sent", trigger: "welcome" })]);
    const r = buildReport([a, b, c, { rows: [], failures: [] }], RANGE);
    const cart = r.triggers.find((t) => t.trigger === "cart");
    expect(cart?.funnel).toMatchObject({ sent: 3, opened: 1, clicked: 1 });
    expect(r.triggers.find((t) => t.trigger === "welcome")?.funnel.sent).toBe(1);
    expect(r.totals.sent).toBe(4);
    // Stored step 0 is reported as step 1 (the API counts steps from 1).
    expect(cart?.steps).toEqual([
      expect.objectContaining({
        step: 1,
        variant: null,
        funnel: expect.objectContaining({ sent: 3 }),
      }),
    ]);
  });

  it("orders skip reasons by count, then name, across groups", () => {
    const rows = [
      row({ metric: "skipped", reason: "capped", count: 2, step: 0 }),
      row({ metric: "skipped", reason: "no_email", count: 7, step: 0 }),
      row({ metric: "skipped", reason: "holdout", count: 2, step: 0, group: "holdout" }),
      row({ metric: "skipped", reason: "no_email", count: 1, step: 1, day: "2026-04-11" }),
      row({ metric: "cancelled", reason: "purchase", count: 4 }),
      row({ metric: "cancelled", reason: "", count: 1 }),
    ];
    const t = buildReport([{ rows, failures: [] }], RANGE).triggers[0];
    expect(t?.skipReasons).toEqual([
      { reason: "no_email", count: 8 },
      { reason: "capped", count: 2 },
      { reason: "holdout", count: 2 },
    ]);
    expect(t?.cancelReasons).toEqual([
      { reason: "purchase", count: 4 },
      { reason: "unknown", count: 1 },
    ]);
  });

  it("buckets by UTC day, zero-fills the series and drops days outside the range", () => {
    const lateUtc = Date.UTC(2026, 3, 9, 23, 59, 59, 999);
    const nextUtc = Date.UTC(2026, 3, 10, 0, 0, 0, 0);
    expect(dayOf(lateUtc)).toBe("2026-04-09");
    expect(dayOf(nextUtc)).toBe("2026-04-10");
    const s = shard([
      ev({ metric: "sent", at: lateUtc }),
      ev({ metric: "sent", at: nextUtc }),
      ev({ metric: "converted", at: nextUtc, value: 19.99, currency: "eur" }),
      ev({ metric: "converted", at: nextUtc, value: 5.01, currency: "EUR" }),
      ev({ metric: "converted", at: nextUtc, value: 7, currency: "USD" }),
      ev({ metric: "sent", at: Date.UTC(2026, 3, 7, 12) }), // before the range
      ev({ metric: "sent", at: Date.UTC(2026, 3, 13, 0) }), // after it
    ]);
    const r = buildReport([s], RANGE);
    expect(r.daily.map((d) => d.day)).toEqual([
      "2026-04-08",
      "2026-04-09",
      "2026-04-10",
      "2026-04-11",
      "2026-04-12",
    ]);
    expect(r.daily.map((d) => d.sent)).toEqual([0, 1, 1, 0, 0]);
    expect(r.daily[2]).toMatchObject({ converted: 3, revenue: { EUR: 25, USD: 7 } });
    expect(r.totals.sent).toBe(2);
    expect(r.totals.revenue).toEqual({ EUR: 25, USD: 7 });
  });

  it("computes lift per trigger from entered and episode_converted", () => {
    const rows = [
      row({ metric: "entered", count: 1000 }),
      row({ metric: "episode_converted", count: 80, sum: 4000, currency: "EUR" }),
      row({ metric: "entered", count: 100, group: "holdout" }),
      row({ metric: "episode_converted", count: 5, group: "holdout", sum: 250, currency: "EUR" }),
    ];
    const t = buildReport([{ rows, failures: [] }], RANGE).triggers[0];
    expect(t?.lift.difference).toBeCloseTo(0.03, 12);
    expect(t?.lift.treated.revenue).toEqual({ EUR: 4000 });
    expect(t?.funnel.entered).toBe(1000);
    expect(t?.holdout.entered).toBe(100);
    expect(t?.funnel.converted).toBe(0); // last-touch conversions are a separate metric
  });

  it("keeps unverified claims apart: never revenue, never lift", () => {
    const r = buildReport(
      [
        shard([
          ev({ metric: "converted", value: 30, currency: "EUR" }),
          ev({ metric: "claimed", value: 1e9, currency: "EUR" }),
          ev({ metric: "claimed", value: 5, currency: "USD" }),
        ]),
      ],
      RANGE,
    );
    expect(r.totals).toMatchObject({
      converted: 1,
      revenue: { EUR: 30 },
      claimed: 2,
      claimedValue: { EUR: 1e9, USD: 5 },
    });
    const t = r.triggers.find((x) => x.trigger === "cart");
    expect(t?.funnel.claimed).toBe(2);
    expect(t?.lift.treated.revenue).toEqual({});
    expect(r.daily.find((d) => d.day === "2026-04-10")?.revenue).toEqual({ EUR: 30 });
  });

  it("lists configured triggers without data first, in config order, and keeps trigger '' out", () => {
    const rows = [
      row({ metric: "sent", trigger: "old-trigger", count: 1, step: 0 }),
      row({ metric: "bounced", trigger: "", count: 2 }),
      row({ metric: "unsubscribed", trigger: "cart", count: 1, step: 0 }),
      row({ metric: "complained", trigger: "", count: 1, group: "holdout" }),
      row({ metric: "unsubscribed_topic", trigger: "", reason: "reminders", count: 3 }),
      row({ metric: "unsubscribed_topic", trigger: "", reason: "win-back", count: 1 }),
    ];
    const r = buildReport([{ rows, failures: [] }], { ...RANGE, triggers: ["welcome", "cart"] });
    expect(r.triggers.map((t) => t.trigger)).toEqual(["welcome", "cart", "old-trigger"]);
    expect(r.triggers[0]?.funnel.sent).toBe(0);
    expect(r.triggers[0]?.daily).toHaveLength(5);
    expect(r.suppression).toEqual({
      unsubscribed: 1,
      bounced: 2,
      complained: 1,
      topics: [
        { reason: "reminders", count: 3 },
        { reason: "win-back", count: 1 },
      ],
    });
    expect(r.totals.bounced).toBe(2);
  });

  it("renders an empty report for no data", () => {
    const r = buildReport([], { ...RANGE, triggers: ["cart"] });
    expect(r.totals.sent).toBe(0);
    expect(r.triggers[0]?.lift.interval).toBeNull();
    expect(r.recentFailures).toEqual([]);
  });

  it("keeps the most recent failures across shards", () => {
    const f = (at: number) => ({
      at,
      trigger: "cart",
      step: 0,
      variant: null,
      reason: "x",
      contact: "c",
    });
    const shards = Array.from({ length: 8 }, (_, i) => ({
      rows: [],
      failures: Array.from({ length: 50 }, (_, j) => f(T0 - (j * 8 + i) * 1000)),
    }));
    const r = buildReport(shards, RANGE);
    expect(r.recentFailures).toHaveLength(50);
    // ISO times and 1-based steps, as the API hands them out.
    expect(r.recentFailures[0]).toMatchObject({ at: new Date(T0).toISOString(), step: 1 });
    expect(r.recentFailures[49]?.at).toBe(new Date(T0 - 49_000).toISOString());
  });
});

describe("parseStatsQuery", () => {
  const NOW = Date.UTC(2026, 3, 30, 15);
  it("defaults to the 30 days ending today (UTC)", () => {
    expect(parseStatsQuery({ site: "demo" }, NOW)).toEqual({
      ok: true,
      value: { site: "demo", from: "2026-04-01", to: "2026-04-30" },
    });
    expect(parseStatsQuery({ site: "demo", to: "2026-02-28" }, NOW)).toMatchObject({
      value: { from: "2026-01-30", to: "2026-02-28" },
    });
  });

  it("rejects bad sites, impossible dates, reversed and too long ranges", () => {
    const bad = [
      {},
      { site: "Bad Site" },
      { site: "demo", from: "2026-02-30" },
      { site: "demo", from: "2026-4-1" },
      { site: "demo", from: "2026-04-10", to: "2026-04-09" },
      { site: "demo", from: "2025-01-01", to: "2026-04-30" },
    ];
    for (const q of bad) expect(parseStatsQuery(q, NOW).ok, JSON.stringify(q)).toBe(false);
    const r = parseStatsQuery({ site: "demo", from: "2026-02-30" }, NOW);
    expect(r.ok ? [] : r.issues.map((i) => i.path)).toEqual(["from"]);
    // exactly 400 days is allowed
    expect(parseStatsQuery({ site: "demo", from: "2025-03-27", to: "2026-04-30" }, NOW).ok).toBe(
      true,
    );
  });
});
