// The scale model (bench/scale.ts): its arithmetic on a case worked by hand, the pacing rounds
// and fan-out time, its invariants over every scenario, and that its copies of the design's
// constants still match the worker's source; and that `bench/run.ts scale` merges its figures
// into results.json instead of replacing the file (run in a temporary folder).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { INCLUDED, PRICE } from "../../bench/prices.ts";
import { fanoutSeconds, model, pacedBurst, scaleReport } from "../../bench/scale.ts";
import {
  ASSUMPTIONS,
  DESIGN,
  measuredFrom,
  scenarios,
  type Measured,
  type Scenario,
} from "../../bench/scale-inputs.ts";

const measured: Measured = {
  eventsPerBatch: 2,
  rowsWrittenPerEvent: 0.5,
  alarmRowsPerEvent: 0.5,
  statsRowsPerEvent: 0.5,
  statsCallsPerEvent: 0.1,
  allRowsWrittenPerEvent: 1.5,
  lifecycleAlarmRunsPerEvent: 0.125,
  lifecycleWakeStatsCallsPerEvent: 0.15,
  lifecycleWakeRowsPerEvent: 0.25,
  costPerMillionEventsUsd: 2,
  cpuMsPerBatch: 1.5,
  rowsReadPerBatch: 3,
  doActiveMs: 10,
  fanoutWatchers: 10_000,
  fanoutSeconds: 100,
  triggerLatencyP99Ms: 100,
  serverEventsPerSec: 300,
};

const quiet: Scenario = {
  name: "quiet",
  eventsPerDay: 800,
  emailsPerDay: 0,
  peakFactor: 1,
  fanoutVisitors: 0,
  burstEmails: 0,
  priceDropTrigger: false,
};

function numbersIn(v: unknown, path = ""): [string, number][] {
  if (typeof v === "number") return [[path, v]];
  if (v && typeof v === "object")
    return Object.entries(v).flatMap(([k, x]) => numbersIn(x, `${path}.${k}`));
  return [];
}

describe("scale model", () => {
  it("counts and prices a small day worked by hand", () => {
    const r = model(quiet, measured);
    // 800 events, 8 a visit: 100 visits; 2 a batch: 400 batches; 2 % order: 2 orders. After
    // the batches: 100 alarm runs, 120 Stats calls, 200 rows.
    expect(r.batchesPerDay).toBe(400);
    expect(r.usage.workerRequests).toBe(400 + 2 + 24);
    expect(r.doRequests).toEqual({
      Visitor: 400 + 100,
      Contact: 3,
      Stats: 80 + 120,
      Catalog: 2 + 24,
      Watchers: 0,
      Pacer: 0,
    });
    expect(r.usage.rowsWritten).toBeCloseTo(800 * (1.5 + 0.25) + 2, 9);
    // 101 isolates (100, and one for under 100 requests a second), each a read per 30 s.
    expect(r.usage.kvReads).toBe(101 * 2880);
    const doRequests = 729;
    const usd =
      426 * PRICE.workerRequest +
      426 * 1.5 * PRICE.workerCpuMs +
      doRequests * PRICE.doRequest +
      doRequests * 0.01 * PRICE.doGb * PRICE.doGbSecond +
      1402 * PRICE.rowWritten +
      400 * 3 * PRICE.rowRead +
      101 * 2880 * PRICE.kvRead;
    expect(r.usdPerDay).toBeCloseTo(usd, 12);
    // A month of it stays inside every included amount: the plan's base alone.
    expect(r.usdPerMonth).toBe(INCLUDED.monthlyBaseUsd);
  });

  it("paces a burst as the Pacer does: 25 emails at 2/s, 5 s of wait at most", () => {
    // At 0 s all 25 ask: 10 get a slot within 5 s (two per 1.1-s window: two at once, then two
    // every 1.1 s, the last at 4.4 s); the 15 others book theirs (5.5 s to 13.2 s) and come back
    // once, to take it.
    expect(pacedBurst(25, 2, 5_000)).toEqual({
      attempts: 25 + 15,
      seconds: 13.2,
      peakPerSec: 25,
    });
    expect(pacedBurst(0, 2, 5_000)).toEqual({ attempts: 0, seconds: 0, peakPerSec: 0 });
    // Below what the wait covers, every email asks once.
    expect(pacedBurst(5, 2, 5_000).attempts).toBe(5);
  });

  it("times a fan-out: 10,000 visitors over 4 shards, 100 a run, 10 at once", () => {
    // 2,500 a shard: 25 runs of 10 rounds of 30 ms, and a 50 ms alarm gap each.
    expect(fanoutSeconds(10_000)).toBeCloseTo((25 * (10 * 30 + 50)) / 1000, 9);
    expect(fanoutSeconds(0)).toBe(0);
  });

  it("costs more with more events, names a hot spot and yields no NaN", () => {
    for (const s of scenarios()) {
      const r = model(s, measured);
      const bigger = model({ ...s, eventsPerDay: s.eventsPerDay * 2 }, measured);
      expect(bigger.usdPerDay).toBeGreaterThan(r.usdPerDay);
      expect(bigger.usdPerMonth).toBeGreaterThanOrEqual(r.usdPerMonth);
      expect(r.hotSpot.name).toMatch(/\w/);
      expect(r.hotSpot.load).toBe(Math.max(...r.hotSpots.map((h) => h.load)));
      for (const [path, n] of numbersIn(r))
        expect(Number.isNaN(n), `${s.name}${path} is NaN`).toBe(false);
    }
  });

  it("reads the measured figures and refuses a missing or non-numeric one by name", () => {
    const results = JSON.parse(readFileSync("bench/results.json", "utf8")) as {
      results: Record<string, unknown>;
    };
    const report = scaleReport(results.results);
    expect(report.rows).toHaveLength(5);
    for (const [k, v] of Object.entries(report.figures))
      expect(typeof v === "string" || Number.isFinite(v), k).toBe(true);
    expect(() => measuredFrom({ ...results.results, eventsPerBatch: "2" })).toThrow(
      /eventsPerBatch/,
    );
    const { statsCallsPerEvent: _, ...without } = results.results;
    expect(() => measuredFrom(without)).toThrow(/statsCallsPerEvent/);
  });

  it("keeps the design's constants as the worker's source states them", () => {
    const src = (path: string) => readFileSync(path, "utf8");
    const cases: [string, RegExp, number][] = [
      ["worker/stats/shard.ts", /export const SHARDS = (\d+);/, DESIGN.statsShards],
      ["worker/catalog/watchers.ts", /export const WATCHER_SHARDS = (\d+);/, DESIGN.watcherShards],
      ["worker/catalog/watchers.ts", /const BATCH = (\d+);/, DESIGN.fanoutBatch],
      ["worker/catalog/watchers.ts", /const CONCURRENCY = (\d+);/, DESIGN.fanoutConcurrency],
      ["worker/mail/pacer.ts", /const MAX_PACE_WAIT_MS = ([\d_]+);/, DESIGN.maxPaceWaitMs],
      ["worker/mail/pacer.ts", /const DEFAULT_RATE_PER_SEC = (\d+);/, DESIGN.resendRatePerSec],
      ["wrangler.toml", /RESEND_RATE_LIMIT = "(\d+)"/, DESIGN.resendRatePerSec],
      ["worker/config/load.ts", /export const CONFIG_TTL_MS = ([\d_]+);/, DESIGN.configTtlMs],
    ];
    for (const [path, re, value] of cases) {
      const m = re.exec(src(path));
      expect(m, `${path} ${String(re)}`).not.toBeNull();
      expect(Number(m![1]!.replaceAll("_", "")), `${path} ${String(re)}`).toBe(value);
    }
    expect(ASSUMPTIONS.blackFridayFactor).toBe(20);
  });

  it("merges a partial run into results.json: other figures, anchors and runs are kept", () => {
    const dir = mkdtempSync(join(tmpdir(), "nudge-scale-"));
    try {
      const file = JSON.parse(readFileSync("bench/results.json", "utf8")) as {
        results: Record<string, unknown>;
        anchors: Record<string, string>;
      };
      const before = {
        measuredAt: "2026-01-01T00:00:00.000Z",
        results: { ...file.results, keptFigure: 42 },
        anchors: { keptFigure: "kept" },
        partialRuns: { fanout: "2026-01-02T00:00:00.000Z" },
      };
      mkdirSync(join(dir, "bench"));
      writeFileSync(join(dir, "bench/results.json"), JSON.stringify(before));
      execFileSync(resolve("node_modules/.bin/tsx"), [resolve("bench/run.ts"), "scale"], {
        cwd: dir,
        stdio: "pipe",
      });
      const after = JSON.parse(readFileSync(join(dir, "bench/results.json"), "utf8")) as {
        measuredAt: string;
        results: Record<string, unknown>;
        anchors: Record<string, string>;
        partialRuns: Record<string, string>;
      };
      expect(after.measuredAt).toBe(before.measuredAt);
      expect(after.results.keptFigure).toBe(42);
      expect(after.results.fanoutSeconds).toBe(file.results.fanoutSeconds);
      expect(typeof after.results.scaleMonthlyUsd1MVisitors).toBe("number");
      expect(after.results.scaleHotspot).toMatch(/\w/);
      expect(after.anchors.keptFigure).toBe("kept");
      expect(after.partialRuns.fanout).toBe(before.partialRuns.fanout);
      expect(after.partialRuns.scale).toMatch(/^\d{4}-/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
