// Ingest bench: N simulated visitors POST event batches to /e on `wrangler dev` (loopback);
// an empty route on the same worker is measured in the same run for the ratio. Also checks
// events stored == events sent and measures SQLite rows written per event.
import { load, type LoadResult } from "./load.ts";
import { startStack } from "../test/browser/support/stack.ts";

export interface IngestFigures {
  ingestEventsPerSec: number;
  ingestRequestsPerSec: number;
  ingestP50Ms: number;
  ingestP99Ms: number;
  emptyRequestsPerSec: number;
  emptyP50Ms: number;
  emptyP99Ms: number;
  ingestRatio: number;
  eventsSent: number;
  eventsStored: number;
  rowsWrittenPerEvent: number;
  costPerMillionEventsUsd: number;
  visitors: number;
  concurrency: number;
}

// Cloudflare list prices (Workers Paid, 2026): Workers requests $0.30/M, Durable Object
// requests $0.15/M, DO SQLite rows written $1.00/M, DO duration $12.50 per M GB-s (128 MB).
const PRICE = { workerReq: 0.3, doReq: 0.15, rowWritten: 1.0, gbSecond: 12.5 / 1e6 };

export async function benchIngest(opts = { visitors: 400, batchesPerVisitor: 3, concurrency: 32 }) {
  const stack = await startStack({ site: "bench" });
  try {
    const { visitors, batchesPerVisitor, concurrency } = opts;
    const origin = stack.demo;
    const vids = Array.from({ length: visitors }, (_, i) => `bench${String(i).padStart(6, "0")}${"x".repeat(10)}`);
    let sent = 0;
    let accepted = 0;
    let rows = 0;
    const total = visitors * batchesPerVisitor;
    const body = (i: number) => {
      const vid = vids[i % visitors]!;
      const n = 1 + (i % 3);
      const events = Array.from({ length: n }, (_, k) => ({
        id: `e${i}x${k}${"0".repeat(8)}`,
        name: k === 1 ? "product" : "page",
        url: `${origin}/p/mug-classic`,
        data: k === 1 ? { id: "mug-classic", name: "Classic Stoneware Mug", price: 18, currency: "EUR" } : {},
      }));
      sent += n;
      return JSON.stringify({ site: "bench", vid, tz: "Europe/Paris", events });
    };
    // Warm up both routes (isolate, Durable Object class, config cache).
    await fetch(`${stack.worker}/_ping`);
    const ingest: LoadResult = await load(
      { total, concurrency, maxMs: 60_000 },
      (i) =>
        fetch(`${stack.worker}/e`, {
          method: "POST",
          headers: { "content-type": "text/plain", origin },
          body: body(i),
        }),
      async (_i, res) => {
        if (res.status === 202) {
          const r = (await res.json()) as { accepted: number; rowsWritten: number };
          accepted += r.accepted;
          rows += r.rowsWritten;
        } else await res.arrayBuffer();
      },
    );
    const empty = await load({ total, concurrency, maxMs: 60_000 }, () => fetch(`${stack.worker}/_ping`));
    // Read every visitor back through the admin API: what is stored must equal what was sent.
    let stored = 0;
    for (const vid of vids) {
      const res = await stack.admin(`/admin/api/visitors/bench/${vid}`);
      if (res.status === 200) stored += ((await res.json()) as { profile: { recentIds: string[] } }).profile.recentIds.length;
    }
    const eventsPerRequest = sent / ingest.requests;
    const rowsPerEvent = rows / Math.max(1, accepted);
    const doSeconds = (ingest.p50Ms / 1000) * 0.5; // rough: half of the request's wall time is in the DO
    const costPerMillion =
      (1e6 / eventsPerRequest) * ((PRICE.workerReq + PRICE.doReq) / 1e6 + doSeconds * 0.128 * PRICE.gbSecond) +
      1e6 * rowsPerEvent * (PRICE.rowWritten / 1e6);
    const figures: IngestFigures = {
      ingestEventsPerSec: round(sent / ingest.seconds),
      ingestRequestsPerSec: round(ingest.rps),
      ingestP50Ms: round(ingest.p50Ms),
      ingestP99Ms: round(ingest.p99Ms),
      emptyRequestsPerSec: round(empty.rps),
      emptyP50Ms: round(empty.p50Ms),
      emptyP99Ms: round(empty.p99Ms),
      ingestRatio: round(ingest.rps / empty.rps, 3),
      eventsSent: sent,
      eventsStored: stored,
      rowsWrittenPerEvent: round(rowsPerEvent, 3),
      costPerMillionEventsUsd: round(costPerMillion, 3),
      visitors,
      concurrency,
    };
    if (ingest.statuses["202"] !== ingest.requests) {
      console.warn("ingest statuses:", ingest.statuses);
    }
    return figures;
  } finally {
    await stack.stop();
  }
}

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
