// Ingest bench: N simulated visitors POST event batches to /e on `wrangler dev` (loopback); an
// empty route on the same worker is measured in the same run for the ratio. Also checks events
// stored == events sent, counts the rows every object wrote (the Visitor's SQL rows, its alarm
// writes and the product-watcher rows, as each 202 answer reports them; the Stats shards' rows,
// as the shards count them: GET /_dev/stats-usage), and prices a million
// events with Cloudflare's published Workers Paid rates (see PRICE in prices.ts and bench/README.md).
import { benchIngestStages, breakdownTable, type IngestBreakdown } from "./ingest-stages.ts";
import { load, percentile, type LoadResult } from "./load.ts";
import { mixEvent, visitorId } from "./ingest-mix.ts";
import { PRICE } from "./prices.ts";
import { startStack, type Stack } from "../test/browser/support/stack.ts";

export interface IngestOptions {
  visitors: number;
  batchesPerVisitor: number;
  concurrency: number;
  /** Batches sent one at a time (fresh visitors) to estimate a Durable Object's active time. */
  serialSamples: number;
  /** Requests per stage of the breakdown (bench/ingest-stages.ts). */
  stageSamples: number;
}

/** What each 202 answer of POST /e reports about the batch (worker/visitor/visitor.ts). */
interface IngestAnswer {
  accepted: number;
  /** SQLite rows the Visitor object wrote and read. */
  rowsWritten: number;
  rowsRead: number;
  /** setAlarm calls: each is billed as a row written on SQLite-backed objects. */
  alarmsSet: number;
  /** Calls to the products' watcher objects (catalog interest) and the rows they wrote. */
  watcherCalls: number;
  watcherRowsWritten: number;
}

/** Calls and rows the site's Stats shards wrote since they started (development route). */
async function statsUsage(stack: Stack): Promise<{ calls: number; rowsWritten: number }> {
  const res = await stack.admin("/_dev/stats-usage?site=bench");
  if (res.status !== 200) throw new Error(`/_dev/stats-usage answered ${res.status}`);
  return (await res.json()) as { calls: number; rowsWritten: number };
}

/** Counts server log lines by `msg` (wrangler dev prints the worker's JSON log lines). */
function countMsgs(lines: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of lines) {
    const i = l.indexOf("{");
    if (i < 0) continue;
    try {
      const msg = (JSON.parse(l.slice(i)) as { msg?: unknown }).msg;
      if (typeof msg === "string") out.set(msg, (out.get(msg) ?? 0) + 1);
    } catch {
      /* not a log line */
    }
  }
  return out;
}

export async function benchIngest(
  opts: IngestOptions = {
    visitors: 400,
    batchesPerVisitor: 3,
    concurrency: 32,
    serialSamples: 60,
    stageSamples: 200,
  },
): Promise<Record<string, number | string | IngestBreakdown>> {
  const stack: Stack = await startStack({ site: "bench" });
  try {
    const { visitors, batchesPerVisitor, concurrency } = opts;
    const origin = stack.demo;
    const vids = Array.from({ length: visitors }, (_, i) => visitorId(i));
    const body = (v: string, events: unknown[]) =>
      JSON.stringify({ site: "bench", vid: v, tz: "Europe/Paris", events });
    const batch = (v: string, i: number, count?: (n: number) => void) => {
      const n = 1 + (i % 3);
      count?.(n);
      return body(
        v,
        Array.from({ length: n }, (_, k) => mixEvent(i, k, origin)),
      );
    };
    const post = (v: string, i: number, count?: (n: number) => void) =>
      fetch(`${stack.worker}/e`, {
        method: "POST",
        headers: { "content-type": "text/plain", origin },
        body: batch(v, i, count),
      });

    // Warm-up (not counted): the isolate, the config cache and the Durable Object classes.
    for (let i = 0; i < 8; i++) {
      await (await fetch(`${stack.worker}/_ping`)).arrayBuffer();
      await (await post(visitorId(i, "warm"), i)).arrayBuffer();
    }

    // 1. Throughput: `concurrency` clients, every batch to one of `visitors` visitors.
    let sent = 0;
    let accepted = 0;
    let rows = 0;
    let rowsRead = 0;
    let alarmRows = 0;
    let watcherRows = 0;
    let watcherCalls = 0;
    const total = visitors * batchesPerVisitor;
    const logsBefore = stack.logs.length;
    const cpuBefore = stack.runtimeCpuMs();
    const statsBefore = await statsUsage(stack);
    const ingest: LoadResult = await load(
      { total, concurrency, maxMs: 90_000 },
      (i) => post(vids[i % visitors]!, i, (n) => (sent += n)),
      async (_i, res) => {
        if (res.status === 202) {
          const r = (await res.json()) as IngestAnswer;
          accepted += r.accepted;
          rows += r.rowsWritten;
          rowsRead += r.rowsRead;
          alarmRows += r.alarmsSet;
          watcherRows += r.watcherRowsWritten;
          watcherCalls += r.watcherCalls;
        } else await res.arrayBuffer();
      },
    );
    const cpuAfter = stack.runtimeCpuMs();
    // The Visitor records its facts' measurements after answering: the Stats shards count what
    // they wrote; read once they are done (a moment after the last answer).
    await new Promise((r) => setTimeout(r, 1_000));
    const statsAfter = await statsUsage(stack);
    const statsCalls = statsAfter.calls - statsBefore.calls;
    const statsRows = statsAfter.rowsWritten - statsBefore.rowsWritten;
    const empty = await load({ total, concurrency, maxMs: 90_000 }, () =>
      fetch(`${stack.worker}/_ping`),
    );
    const msgs = countMsgs(stack.logs.slice(logsBefore));
    const contactCalls = msgs.get("contact.linked") ?? 0;

    // 2. Read every visitor back through the admin API: stored must equal sent.
    let stored = 0;
    for (const v of vids) {
      const res = await stack.admin(`/admin/api/visitors/bench/${v}`);
      if (res.status === 200) {
        stored += ((await res.json()) as { profile: { recentIds: string[] } }).profile.recentIds
          .length;
      } else await res.arrayBuffer();
    }

    // 3. One batch at a time to fresh visitors (a new object each, as for a new shopper), and the
    // empty route at the same pace: the difference bounds the Durable Object's active time.
    const serialIngest: number[] = [];
    const serialEmpty: number[] = [];
    for (let i = 0; i < opts.serialSamples; i++) {
      let t = performance.now();
      await (await post(visitorId(i, "serial"), 1)).arrayBuffer();
      serialIngest.push(performance.now() - t);
      t = performance.now();
      await (await fetch(`${stack.worker}/_ping`)).arrayBuffer();
      serialEmpty.push(performance.now() - t);
    }
    serialIngest.sort((a, b) => a - b);
    serialEmpty.sort((a, b) => a - b);
    const serialIngestP50 = percentile(serialIngest, 50);
    const serialEmptyP50 = percentile(serialEmpty, 50);
    const doActiveMs = Math.max(1, serialIngestP50 - serialEmptyP50);

    // 4. Where the serial time goes, stage by stage, with the same batch as the serial run.
    const breakdown = await benchIngestStages({
      worker: stack.worker,
      origin,
      site: "bench",
      body: (v, kind) =>
        kind === "pages"
          ? // Page views only (event 0 of two later batches): they decide nothing.
            body(v, [mixEvent(7, 0, origin), mixEvent(10, 0, origin)])
          : batch(v, kind === "next" ? 4 : 1),
      samples: opts.stageSamples,
    });
    console.log(`\n${breakdownTable(breakdown)}\n`);

    // 5. Cost of one million events at list prices (beyond the included amounts).
    const batches = ingest.statuses["202"] ?? 0;
    const eventsPerBatch = accepted / Math.max(1, batches);
    const perBatch = 1e6 / eventsPerBatch;
    const perEvent = (n: number) => n / Math.max(1, accepted);
    // CPU: everything the runtime's processes used during the throughput phase (the Worker, every
    // object, the runtime itself) per batch: an upper bound of the Worker's billed CPU (objects
    // are billed by duration, priced below).
    if (cpuBefore === null || cpuAfter === null)
      throw new Error("ingest: the runtime's CPU time cannot be read here (needs Linux /proc)");
    const cpuMsPerBatch = (cpuAfter - cpuBefore) / Math.max(1, batches);
    const rowsReadPerBatch = rowsRead / Math.max(1, batches);
    const cost = {
      workerRequests: perBatch * PRICE.workerRequest,
      workerCpu: perBatch * cpuMsPerBatch * PRICE.workerCpuMs,
      // One Visitor RPC per batch, the Stats and product-watcher calls counted, one Contact RPC
      // per newly identified visitor.
      doRequests:
        (perBatch + 1e6 * perEvent(statsCalls + watcherCalls + contactCalls)) * PRICE.doRequest,
      doDuration: perBatch * (doActiveMs / 1000) * PRICE.doGb * PRICE.doGbSecond,
      rowsWritten: 1e6 * perEvent(rows + alarmRows + statsRows + watcherRows) * PRICE.rowWritten,
      rowsRead: perBatch * rowsReadPerBatch * PRICE.rowRead,
    };
    const costTotal = Object.values(cost).reduce((a, b) => a + b, 0);

    if (ingest.statuses["202"] !== ingest.requests)
      console.warn("ingest statuses:", ingest.statuses);
    if (stored !== sent) console.warn(`ingest: ${sent} events sent but ${stored} stored`);
    return {
      ingestEventsPerSec: round(sent / ingest.seconds),
      ingestRequestsPerSec: round(ingest.rps),
      ingestP50Ms: round(ingest.p50Ms),
      ingestP99Ms: round(ingest.p99Ms),
      emptyRequestsPerSec: round(empty.rps),
      emptyP50Ms: round(empty.p50Ms),
      emptyP99Ms: round(empty.p99Ms),
      ingestRatio: round(ingest.rps / empty.rps, 3),
      ingestSerialP50Ms: round(serialIngestP50),
      emptySerialP50Ms: round(serialEmptyP50),
      eventsSent: sent,
      eventsStored: stored,
      eventsPerBatch: round(eventsPerBatch, 2),
      rowsWrittenPerEvent: round(perEvent(rows), 3),
      alarmRowsPerEvent: round(perEvent(alarmRows), 3),
      statsRowsPerEvent: round(perEvent(statsRows), 3),
      statsCallsPerEvent: round(perEvent(statsCalls), 3),
      watcherRowsPerEvent: round(perEvent(watcherRows), 3),
      watcherCallsPerEvent: round(perEvent(watcherCalls), 3),
      allRowsWrittenPerEvent: round(perEvent(rows + alarmRows + statsRows + watcherRows), 3),
      cpuMsPerBatch: round(cpuMsPerBatch, 2),
      rowsReadPerBatch: round(rowsReadPerBatch, 2),
      costPerMillionEventsUsd: round(costTotal, 3),
      costWorkerRequestsUsd: round(cost.workerRequests, 3),
      costWorkerCpuUsd: round(cost.workerCpu, 3),
      costDoRequestsUsd: round(cost.doRequests, 3),
      costDoDurationUsd: round(cost.doDuration, 3),
      costRowsWrittenUsd: round(cost.rowsWritten, 3),
      costRowsReadUsd: round(cost.rowsRead, 4),
      ingestBreakdown: breakdown,
      ingestHopP50Ms: breakdown.stages.hop.p50Ms,
      ingestFloorRatio: breakdown.fullOverFloor,
      ingestNextBatchFloorRatio: breakdown.fullLiveOverFloor,
      ingestNextBatchWriteFloorRatio: breakdown.fullLiveOverWriteFloor,
      ingestNextPageBatchWriteFloorRatio: breakdown.pageLiveOverWriteFloor,
      ingestVisitors: visitors,
      ingestConcurrency: concurrency,
    };
  } finally {
    await stack.stop();
  }
}

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
