// A small bounded load generator: runs `total` requests with `concurrency` workers, stopping
// early at `maxMs`, and reports throughput and latency percentiles. Loopback targets only.

export interface LoadResult {
  requests: number;
  ok: number;
  statuses: Record<string, number>;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)] ?? 0;
}

export async function load(
  opts: { total: number; concurrency: number; maxMs: number },
  request: (i: number) => Promise<Response>,
  onResponse?: (i: number, res: Response) => Promise<void>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  let ok = 0;
  const start = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= opts.total || performance.now() - start > opts.maxMs) return;
      const t0 = performance.now();
      let status = "error";
      try {
        const res = await request(i);
        status = String(res.status);
        if (res.ok) ok++;
        if (onResponse) await onResponse(i, res);
        else await res.arrayBuffer();
      } catch {
        /* counted as "error" */
      }
      latencies.push(performance.now() - t0);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    ok,
    statuses,
    seconds,
    rps: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}
