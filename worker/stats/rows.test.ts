// A shard's day rows: counters packed into cells and read back unchanged.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addCells, byDay, cellRows, sumCounters, type CounterRow } from "./rows.ts";

const counter = fc.record({
  day: fc.constantFrom("2026-12-03", "2026-12-04"),
  trigger: fc.constantFrom("cart-abandoned", "welcome", ""),
  step: fc.option(fc.integer({ min: 0, max: 3 })),
  variant: fc.option(fc.integer({ min: 0, max: 2 })),
  group: fc.constantFrom("treated" as const, "holdout" as const),
  metric: fc.constantFrom(
    "due" as const,
    "sent" as const,
    "skipped" as const,
    "converted" as const,
  ),
  reason: fc.constantFrom("", "no_email", "capped"),
  currency: fc.constantFrom("", "EUR"),
  count: fc.integer({ min: 1, max: 5 }),
  sum: fc.integer({ min: 0, max: 1000 }),
});

const sorted = (rows: CounterRow[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe("packed counters", () => {
  it("hold exactly what the counters sum to, written in any number of calls", () => {
    fc.assert(
      fc.property(fc.array(fc.array(counter, { maxLength: 8 }), { maxLength: 6 }), (calls) => {
        // The shard: each call adds its summed rows to the stored cells of their day.
        const stored = new Map<string, ReturnType<typeof addCells>>();
        for (const call of calls)
          for (const [day, rows] of byDay(sumCounters(call)))
            stored.set(day, addCells(stored.get(day) ?? {}, rows));
        const read = [...stored].flatMap(([day, cells]) => cellRows(day, cells));
        expect(sorted(read)).toEqual(sorted(sumCounters(calls.flat())));
      }),
    );
  });

  it("one row per day, whatever else differs (the trigger too)", () => {
    const base: CounterRow = {
      day: "2026-12-04",
      trigger: "cart-abandoned",
      step: 0,
      variant: null,
      group: "treated",
      metric: "due",
      reason: "",
      currency: "",
      count: 1,
      sum: 0,
    };
    const rows = [
      base,
      { ...base, metric: "skipped" as const, reason: "no_email" },
      { ...base, step: 1 },
      { ...base, trigger: "welcome" },
      { ...base, day: "2026-12-05" },
    ];
    expect([...byDay(rows)].map(([day, r]) => [day, r.length])).toEqual([
      ["2026-12-04", 4],
      ["2026-12-05", 1],
    ]);
  });

  it("reads a row an earlier version stored per (day, trigger): cells without the trigger", () => {
    expect(
      cellRows("2026-12-04", { '[0,null,"treated","sent","","EUR"]': [2, 50] }, "welcome"),
    ).toEqual([
      {
        day: "2026-12-04",
        trigger: "welcome",
        step: 0,
        variant: null,
        group: "treated",
        metric: "sent",
        reason: "",
        currency: "EUR",
        count: 2,
        sum: 50,
      },
    ]);
  });
});
