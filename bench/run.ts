// `npm run bench`: gathers every figure the project tracks, prints a table and writes
// bench/results.json. Each part is bounded in count and time and talks only to loopback.
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

const only = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const want = (part: string) => only.length === 0 || only.includes(part);
const results: Figures = {};
const anchors: Record<string, string> = {};

// Other work on the same machine skews every timing here: record how busy it was.
const machine = { cpus: cpus().length, loadAvg1mAtStart: Math.round(loadavg()[0]! * 100) / 100 };
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
      "the adapter alone (GET /nudge.js?platform=…, after the core); budget 1,000 B";
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
  anchors.costPerMillionEventsUsd =
    "Cloudflare Workers Paid list prices beyond included usage; see bench/README.md";
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

// The figures the README and the project's claims rely on: a full run must produce them all.
const REQUIRED = [
  "snippetGzipBytes",
  "engineMicrosPerEvent",
  "ingestRatio",
  "ingestEventsPerSec",
  "rowsWrittenPerEvent",
  "costPerMillionEventsUsd",
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
];
const missing = only.length === 0 ? REQUIRED.filter((k) => !(k in results)) : [];
if (missing.length) {
  console.error(`bench: missing figures: ${missing.join(", ")}`);
  process.exitCode = 1;
}

const measuredAt = new Date().toISOString();
const thisRun = {
  measuredAt,
  node: process.version,
  machine: { ...machine, loadAvg1mAtEnd: Math.round(loadavg()[0]! * 100) / 100 },
};
const out = only.length === 0 ? { ...thisRun, results, anchors } : mergedWithLastRun(only, thisRun);
writeFileSync("bench/results.json", `${JSON.stringify(out, null, 2)}\n`);

/**
 * A partial run (`npx tsx bench/run.ts ingest`) updates its own figures in the last results and
 * keeps the others; its date is recorded under `partialRuns[part]` and its machine load under
 * `partialMachines[part]`, while the top-level ones stay those of the last full run.
 */
function mergedWithLastRun(parts: string[], run: typeof thisRun) {
  interface Saved {
    results?: Figures;
    anchors?: Record<string, string>;
    partialRuns?: Record<string, string>;
    partialMachines?: Record<string, typeof thisRun.machine>;
  }
  let last: Saved = {};
  if (existsSync("bench/results.json")) {
    try {
      last = JSON.parse(readFileSync("bench/results.json", "utf8")) as Saved;
    } catch {
      console.warn("bench: bench/results.json is not JSON; writing this run's figures alone");
    }
  }
  return {
    ...last,
    results: { ...last.results, ...results },
    anchors: { ...last.anchors, ...anchors },
    partialRuns: {
      ...last.partialRuns,
      ...Object.fromEntries(parts.map((p) => [p, run.measuredAt])),
    },
    partialMachines: {
      ...last.partialMachines,
      ...Object.fromEntries(parts.map((p) => [p, run.machine])),
    },
  };
}
const width = Math.max(...Object.keys(results).map((k) => k.length));
console.log(`\n${"figure".padEnd(width)}  value`);
console.log(`${"-".repeat(width)}  ${"-".repeat(12)}`);
for (const [k, v] of Object.entries(results)) {
  const value = typeof v === "object" ? JSON.stringify(v) : v;
  console.log(`${k.padEnd(width)}  ${value}${anchors[k] ? `   (${anchors[k]})` : ""}`);
}
console.log("\nwrote bench/results.json");
