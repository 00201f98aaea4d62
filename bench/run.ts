// `npm run bench`: gathers every figure the project tracks, prints a table and writes
// bench/results.json. Each part is bounded in count and time and talks only to loopback.
// `npm run bench -- PART…` runs only those parts and merges their figures into the file.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { benchIngest } from "./ingest.ts";

type Figures = Record<string, number | string | object>;

function jsonFrom(cmd: string, args: string[]): Figures {
  const out = execFileSync(cmd, args, { encoding: "utf8" });
  const line = out
    .trim()
    .split("\n")
    .reverse()
    .find((l) => l.startsWith("{"));
  if (!line) throw new Error(`${cmd} ${args.join(" ")} printed no JSON line`);
  return JSON.parse(line) as Figures;
}

const PARTS = [
  "snippet",
  "engine",
  "ingest",
  "lifecycle",
  "latency",
  "abuse",
  "server",
  "fanout",
  "faults",
  "scale",
];
const only = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const unknown = only.filter((p) => !PARTS.includes(p));
if (unknown.length) {
  console.error(`bench: unknown part ${unknown.join(", ")}; parts: ${PARTS.join(", ")}`);
  process.exit(2);
}
const want = (part: string) => only.length === 0 || only.includes(part);
const results: Figures = {};
const anchors: Record<string, string> = {};

/** The last results.json: a partial run keeps every figure it does not measure again. */
interface ResultsFile {
  measuredAt?: string;
  node?: string;
  machine?: Record<string, number>;
  results?: Figures;
  anchors?: Record<string, string>;
  partialRuns?: Record<string, string>;
  partialMachines?: Record<string, Record<string, number>>;
}
function previous(): ResultsFile {
  if (!existsSync("bench/results.json")) return {};
  const parsed = JSON.parse(readFileSync("bench/results.json", "utf8")) as unknown;
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new Error("bench: bench/results.json is not a JSON object; move it away and run again");
  return parsed as ResultsFile;
}
const before = previous();

// Other work on the same machine skews every timing here: record how busy it was.
const machine = { cpus: cpus().length, loadAvg1mAtStart: Math.round(loadavg()[0]! * 100) / 100 };
// The scale and lifecycle models read figures only: they need no snippet build.
if (PARTS.some((p) => p !== "scale" && p !== "lifecycle" && want(p)))
  execFileSync("node", ["scripts/build-snippet.mjs"], { stdio: "inherit" });
if (want("snippet") && existsSync("scripts/size.mjs")) {
  // {"snippetGzipBytes": N, "platformGzipBytes": {"shopify": N, …}}: flat figures here.
  type Size = Figures & { platformGzipBytes?: Record<string, number> };
  const { platformGzipBytes, ...size } = jsonFrom("node", ["scripts/size.mjs", "--json"]) as Size;
  Object.assign(results, size);
  anchors.snippetGzipBytes =
    "Plausible npm tracker 2,694 B, Umami 2,239 B, Fathom Lite 1,292 B (gzip); budget 1,500 B, goal 1,000 B";
  for (const [name, bytes] of Object.entries(platformGzipBytes ?? {})) {
    results[`${name}AdapterGzipBytes`] = bytes;
    anchors[`${name}AdapterGzipBytes`] =
      "the adapter alone (GET /nudge.js?platform=…, after the core); budget 1,000 B, goal 600 B";
  }
}
if (want("engine") && existsSync("bench/engine.ts")) {
  Object.assign(results, jsonFrom("npx", ["tsx", "bench/engine.ts", "--json"]));
}
if (want("ingest")) {
  Object.assign(results, await benchIngest());
  anchors.ingestRatio =
    "1.0 would mean ingest costs no more than an empty route on the same worker";
  anchors.ingestFloorRatio =
    "serial full /e p50 ÷ p50 of a request that only calls the Visitor object; goal ≤ 1.5";
  anchors.ingestNextBatchWriteFloorRatio =
    "a visitor's next batch ÷ a call to its live object that writes one row (any stored batch's floor)";
  anchors.costPerMillionEventsUsd =
    "Cloudflare Workers Paid list prices beyond included usage; see bench/README.md";
}
if (want("lifecycle")) {
  // After ingest: it prices the visitors' later life on top of what ingest measured.
  const { benchLifecycle } = await import("./lifecycle.ts");
  Object.assign(results, benchLifecycle({ ...before.results, ...results }));
  anchors.lifecycleWakeRowsPerEvent =
    "computed: rows the ingest visitors' objects write after their batches (alarm runs, Stats, erasure)";
  anchors.costPerMillionEventsWithWakesUsd =
    "costPerMillionEventsUsd plus everything after the batches (bench/lifecycle.ts)";
  anchors.costPerMillionEventsDeferredUsd =
    'the same, on a site with anonymousSteps: "deferred" (computed, bench/lifecycle.ts)';
}
if (want("latency") && existsSync("bench/latency.ts")) {
  const { benchLatency } = (await import("./latency.ts")) as {
    benchLatency: () => Promise<Figures>;
  };
  Object.assign(results, await benchLatency());
  anchors.triggerLatencyP99Ms =
    "Klaviyo: minutes (13–15 min reported for segment flows), Adobe Campaign: scheduler every ≥ 15 min, Shopify Flow: no guarantee; goal ≤ 1,000 ms";
}
if (want("abuse")) {
  const { benchAbuse } = await import("./abuse.ts");
  Object.assign(results, await benchAbuse());
  anchors.abuseMaxEmailsPerVictim = "must be ≤ the site's dailyLimit (10 here)";
}
if (want("server")) {
  const { benchServerEvents } = await import("./server-events.ts");
  Object.assign(results, await benchServerEvents());
  anchors.serverEventsPerSec = "POST /v1/events, 100 events a request, 4 in flight, local";
  anchors.serverEventsDuplicatesOnReplay = "must equal serverEventsSent (10,000)";
  anchors.serverBackfillEmails = "must be 0: history starts no episodes";
}
if (want("fanout")) {
  const { benchFanout } = await import("./fanout.ts");
  Object.assign(results, await benchFanout());
  anchors.fanoutSeconds =
    "one restock told to every watcher (4 shards, 100 a batch, 10 at once), local";
  anchors.fanoutMissed = "must be 0: every sampled watcher holds the restock event";
  anchors.fanoutDoubled = "must be 0: nobody is told of one restock twice, nor of the second";
}
if (want("faults") && existsSync("bench/faults.ts")) {
  const { benchFaults } = (await import("./faults.ts")) as { benchFaults: () => Promise<Figures> };
  Object.assign(results, await benchFaults());
}
if (want("scale")) {
  // Last: it reads what this run measured, over what earlier runs did.
  const { scaleReport } = await import("./scale.ts");
  const report = scaleReport({ ...before.results, ...results });
  console.log(`\nscale model (docs/scale.md)\n${report.table}`);
  Object.assign(results, report.figures);
  anchors.scaleMonthlyUsd1MVisitors =
    "computed: measured per-event rows and requests, assumptions in bench/scale.ts; see docs/scale.md";
  anchors.scaleHotspot = "the limit a store meets first; see docs/scale.md for the order they bite";
}

// The figures the README and the project's claims rely on: a full run must produce them all.
const REQUIRED = [
  "snippetGzipBytes",
  "engineMicrosPerEvent",
  "ingestRatio",
  "ingestEventsPerSec",
  "rowsWrittenPerEvent",
  "costPerMillionEventsUsd",
  "lifecycleWakeRowsPerEvent",
  "costPerMillionEventsWithWakesUsd",
  "triggerLatencyP50Ms",
  "triggerLatencyP99Ms",
  "faultSends",
  "faultDuplicates",
  "faultLost",
  "abuseMaxEmailsPerVictim",
  "fuzzBodies",
  "fuzz5xx",
  "serverEventsPerSec",
  "fanoutWatchers",
  "fanoutSeconds",
  "scaleMonthlyUsd1MVisitors",
  "scaleHotspot",
];
const missing = only.length === 0 ? REQUIRED.filter((k) => !(k in results)) : [];
if (missing.length) {
  console.error(`bench: missing figures: ${missing.join(", ")}`);
  process.exitCode = 1;
}

const now = new Date().toISOString();
const endMachine = { ...machine, loadAvg1mAtEnd: Math.round(loadavg()[0]! * 100) / 100 };
// A full run replaces the file; a partial run merges its figures into it and says when.
const out =
  only.length === 0
    ? { measuredAt: now, node: process.version, machine: endMachine, results, anchors }
    : {
        ...before,
        results: { ...before.results, ...results },
        anchors: { ...before.anchors, ...anchors },
        partialRuns: {
          ...before.partialRuns,
          ...Object.fromEntries(only.map((p) => [p, now])),
        },
        // The machine of each partial run; the top-level one stays the last full run's.
        partialMachines: {
          ...before.partialMachines,
          ...Object.fromEntries(only.map((p) => [p, endMachine])),
        },
      };
writeFileSync("bench/results.json", `${JSON.stringify(out, null, 2)}\n`);

const width = Math.max(...Object.keys(results).map((k) => k.length));
console.log(`\n${"figure".padEnd(width)}  value`);
console.log(`${"-".repeat(width)}  ${"-".repeat(12)}`);
for (const [k, v] of Object.entries(results)) {
  const value = typeof v === "object" ? JSON.stringify(v) : v;
  console.log(`${k.padEnd(width)}  ${value}${anchors[k] ? `   (${anchors[k]})` : ""}`);
}
console.log("\nwrote bench/results.json");
