// Cloudflare's published prices the benches share: the ingest bench prices a million measured
// events with them (every component measured, nothing assumed), the scale model (scale.ts) a
// month of a store.
// No I/O, so the model and its test import it without the local stack.

/**
 * Cloudflare Workers Paid list prices beyond the included monthly amounts (USD), from
 * developers.cloudflare.com/workers/platform/pricing and /durable-objects/platform/pricing:
 * Workers requests $0.30/M (10 M included), CPU $0.02 per M CPU-ms (30 M included),
 * Durable Object requests $0.15/M (1 M included; every RPC method call is one request),
 * DO duration $12.50 per M GB-s at 128 MB per object (400 k GB-s included),
 * SQLite rows written $1.00/M (50 M included), rows read $0.001/M (25 B included), and from
 * /kv/platform/pricing: Workers KV reads $0.50/M (10 M included).
 */
export const PRICE = {
  workerRequest: 0.3 / 1e6,
  workerCpuMs: 0.02 / 1e6,
  doRequest: 0.15 / 1e6,
  doGbSecond: 12.5 / 1e6,
  doGb: 0.128,
  rowWritten: 1.0 / 1e6,
  rowRead: 0.001 / 1e6,
  kvRead: 0.5 / 1e6,
};

/** What the Workers Paid plan ($5 a month) includes each month before PRICE applies. */
export const INCLUDED = {
  monthlyBaseUsd: 5,
  workerRequests: 10e6,
  workerCpuMs: 30e6,
  doRequests: 1e6,
  doGbSeconds: 400e3,
  rowsWritten: 50e6,
  rowsRead: 25e9,
  kvReads: 10e6,
};
