// A shard's (day, trigger) rows: counters packed into cells and read back unchanged.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addCells, byDayTrigger, cellRows, sumCounters, type CounterRow } from "./rows.ts";

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
        // The shard: each call adds its summed rows to the stored cells of their (day, trigger).
        const stored = new Map<string, ReturnType<typeof addCells>>();
        for (const call of calls)
          for (const [k, rows] of byDayTrigger(sumCounters(call)))
            stored.set(k, addCells(stored.get(k) ?? {}, rows));
        const read = [...stored].flatMap(([k, cells]) => {
          const [day, trigger] = k.split("\n") as [string, string];
          return cellRows(day, trigger, cells);
        });
        expect(sorted(read)).toEqual(sorted(sumCounters(calls.flat())));
      }),
    );
  });

  it("one row per day and trigger, whatever else differs", () => {
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
    ];
    expect([...byDayTrigger(rows).keys()]).toEqual([
      "2026-12-04\ncart-abandoned",
      "2026-12-04\nwelcome",
    ]);
  });
});
