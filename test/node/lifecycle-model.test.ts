// The lifecycle model (bench/lifecycle.ts): the ingest bench's visitors followed past their
// batches with the real engine, to retention. It must follow the objects: at ingest it writes
// what workerd measured (bench/results.json), and after the batches only what the engine needs.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { benchConfig, benchLifecycle, lifecycle } from "../../bench/lifecycle.ts";

// 40 visitors: batch i goes to visitor i % 40, so each gets one batch of each size (1, 2, 3).
const small = lifecycle({ visitors: 40, batchesPerVisitor: 3 });

describe("lifecycle model", () => {
  it("follows each visitor to retention, one erasure each", () => {
    expect(small.figures.lifecycleEvents).toBe(240);
    expect(small.runsByReason.retention).toBe(40);
    // At ingest: one state row per batch (120 batches, 240 events) besides alarms and Stats.
    const f = small.figures;
    expect(
      f.lifecycleBatchRowsPerEvent -
        f.lifecycleBatchAlarmRowsPerEvent -
        f.lifecycleBatchStatsRowsPerEvent,
    ).toBeCloseTo(0.5, 2); // each figure is rounded to 3 decimals
    expect(f.lifecycleWakeErasedRowsPerEvent).toBeCloseTo(40 / 240, 3);
  });

  it("wakes a visitor only when the engine has something to decide", () => {
    // No alarm run that changes nothing or only the engine's memory: win-back's 30-day check
    // of a visitor with no order is never scheduled.
    expect(small.runsByReason.nothing).toBeUndefined();
    expect(small.runsByReason["state only"]).toBeUndefined();
    // What is left: anonymous visitors' email steps coming due and running out.
    const runs = Object.keys(small.runsByReason).filter((r) => r !== "retention");
    for (const r of runs)
      expect(
        r.split("+").every((t) => ["due", "held", "skipped", "completed"].includes(t)),
        r,
      ).toBe(true);
    expect(small.figures.lifecycleAnonymousHoldRunsPerVisitor + 1).toBeCloseTo(
      small.figures.lifecycleAlarmRunsPerVisitor,
      9,
    );
  });

  it('with anonymousSteps: "deferred", one run per episode: fewer runs and rows, the same counts', () => {
    const deferred = lifecycle(
      { visitors: 40, batchesPerVisitor: 3 },
      { ...benchConfig(), anonymousSteps: "deferred" },
    );
    // Every anonymous episode ends in one run that decides all its steps at once.
    for (const r of Object.keys(deferred.runsByReason).filter((r) => r !== "retention"))
      expect(r.endsWith("skipped+completed"), r).toBe(true);
    const live = small.figures;
    const f = deferred.figures;
    expect(f.lifecycleAlarmRunsPerVisitor).toBeLessThan(live.lifecycleAlarmRunsPerVisitor / 1.5);
    expect(f.lifecycleWakeRowsPerEvent).toBeLessThan(live.lifecycleWakeRowsPerEvent);
    // The same counters, recorded later: in fewer rows, a day's counters of one trigger being
    // one row of a shard, so an episode's steps counted in one call are one row written.
    expect(f.lifecycleWakeStatsRowsPerEvent).toBeLessThan(live.lifecycleWakeStatsRowsPerEvent / 2);
  });

  it("writes at ingest what workerd measured in the last bench run", () => {
    const { results } = JSON.parse(readFileSync("bench/results.json", "utf8")) as {
      results: Record<string, number>;
    };
    const figures = benchLifecycle(results);
    expect(figures.lifecycleBatchRowsPerEvent).toBeCloseTo(results.allRowsWrittenPerEvent!, 2);
    expect(figures.lifecycleBatchAlarmRowsPerEvent).toBeCloseTo(results.alarmRowsPerEvent!, 2);
    expect(figures.lifecycleBatchStatsRowsPerEvent).toBeCloseTo(results.statsRowsPerEvent!, 2);
    expect(figures.costPerMillionEventsWithWakesUsd).toBeGreaterThan(
      results.costPerMillionEventsUsd!,
    );
    expect(figures.costPerMillionEventsDeferredUsd).toBeLessThan(
      figures.costPerMillionEventsWithWakesUsd!,
    );
    expect(results.costPerMillionEventsDeferredUsd).toBe(figures.costPerMillionEventsDeferredUsd);
  });
});
