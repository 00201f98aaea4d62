// Trigger latency bench: how long after a step is due does the email reach the sender?
// Runs the real worker under `wrangler dev` (local workerd) with a one-trigger config whose
// only step waits 2 s, against the contract-validating fake Resend on loopback. For each of
// N visitors it posts identify + cart, reads the due time the engine stored (admin API), and
// measures fake-Resend receive time − due time. Bounded in count and time; loopback only.
// Run alone: `npx tsx bench/run.ts latency`.
import { startFakeResend, type RecordedSend } from "../test/support/fake-resend.ts";
import type { Stack } from "../test/browser/support/stack.ts";
import { cartBatch, postBatch, recipient, urlSafeId } from "../test/support/episodes.ts";
import { loadavg } from "node:os";
import { percentile } from "./load.ts";
import { runFlood } from "./flood.ts";
import {
  API_KEY,
  SITE,
  TRIGGER,
  WAIT_MS,
  latencyStack,
  printStages,
  stageLines,
  stageTable,
} from "./latency-stack.ts";
import { busiestShare, threadSampler } from "./thread-cpu.ts";

/** Sends after the last due time are waited for at most this long. */
const GRACE_MS = 60_000;
/** The posting phase may take at most this long (it normally takes a few seconds). */
const POST_PHASE_MS = 120_000;

export interface LatencyOptions {
  visitors: number;
  concurrency: number;
  /** RESEND_RATE_LIMIT for the run: the account-wide provider calls per second. */
  ratePerSec: number;
  /** Least time between two visitors' POSTs (0: as fast as `concurrency` allows). */
  intervalMs: number;
}

export interface LatencyRun {
  episodes: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  min: number;
  mean: number;
  lost: number;
  /** Visitors whose batch was not accepted (no episode, so not counted as lost). */
  postFailures: number;
  /** Emails that reached the sender before their due time (must be 0). */
  early: number;
  duplicates: number;
  contractErrors: number;
  dueFromState: number;
  postSeconds: number;
  /** Due emails per second the posting phase produced (episodes / posting time). */
  offeredPerSec: number;
  /** p50/p99 (ms) of each stage of the emails whose stage timings were logged. */
  stages: Record<string, { p50: number; p99: number }>;
  /** The 1-minute load average when the run started and ended (the machine is shared). */
  loadAvg: [number, number];
  /** CPU ms the runtime (every workerd thread) spent per episode: its ingest and its send. */
  cpuMsPerEpisode: number | null;
  /**
   * The runtime's busiest thread, as a share of wall time: over the whole run (first POST to
   * last email) and in its busiest second. Near 1.0 the thread is saturated and work queues.
   */
  busiestThreadShare: number | null;
  busiestThreadPeakShare: number | null;
}

interface Episode {
  email: string;
  vid: string;
  /** Client clock just before the POST and when its 202 came back. */
  sentAt: number;
  ackAt: number;
  /** The engine's due time (from the stored episode), or the estimate (ack midpoint + wait). */
  dueAt: number;
  dueFrom: "state" | "estimate";
}

/** The due time the engine stored for this visitor's cart-abandoned episode, if still there. */
async function storedDue(stack: Stack, vid: string): Promise<number | null> {
  const res = await stack.admin(`/admin/api/visitors/${SITE}/${vid}`);
  if (res.status !== 200) {
    await res.arrayBuffer();
    return null;
  }
  const s = (await res.json()) as {
    engine?: {
      episodes?: Record<string, { dueAt: number | null; startedAt: number; step: number }>;
    };
  };
  const ep = s.engine?.episodes?.[TRIGGER];
  if (!ep) return null;
  if (ep.step === 0 && typeof ep.dueAt === "number") return ep.dueAt;
  return typeof ep.startedAt === "number" ? ep.startedAt + WAIT_MS : null;
}
export async function runLatency(opts: LatencyOptions): Promise<LatencyRun> {
  const fake = await startFakeResend({ apiKey: API_KEY });
  // Receive time of every accepted send: the moment the fake records it (after it has read and
  // validated the body: within about a millisecond of arrival on loopback).
  const received = new Map<string, number>();
  const receivedByKey = new Map<string, number>();
  const load0 = Math.round(loadavg()[0]! * 100) / 100;
  const sendsByEmail = new Map<string, RecordedSend[]>();
  const push = fake.sends.push.bind(fake.sends);
  fake.sends.push = (...items: RecordedSend[]) => {
    const now = Date.now();
    for (const s of items) {
      const email = recipient(s.body);
      if (!email) continue;
      if (!received.has(email)) received.set(email, now);
      if (!receivedByKey.has(s.idempotencyKey)) receivedByKey.set(s.idempotencyKey, now);
      sendsByEmail.set(email, [...(sendsByEmail.get(email) ?? []), s]);
    }
    return push(...items);
  };

  let stack: Stack | null = null;
  try {
    stack = await latencyStack(fake.url, opts.ratePerSec);
    const s = stack;
    // Only the worker isolate is warmed: every visitor and contact object starts cold, as a new
    // shopper's would in a real deployment.
    await (await fetch(`${s.worker}/_ping`)).arrayBuffer();

    const { visitors, concurrency, intervalMs } = opts;
    const episodes: Episode[] = [];
    const failures: Record<string, number> = {};
    let next = 0;
    const cpu0 = s.runtimeCpuMs();
    const sampler = threadSampler(s);
    const phaseStart = Date.now();
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= visitors || Date.now() - phaseStart > POST_PHASE_MS) return;
        const slot = phaseStart + i * intervalMs;
        if (slot > Date.now()) await new Promise((r) => setTimeout(r, slot - Date.now()));
        const vid = urlSafeId(i);
        const email = `bench-${i}@example.com`;
        const body = cartBatch(SITE, vid, email);
        const sentAt = Date.now();
        let status = "error";
        try {
          const res = await postBatch(s.worker, s.demo, body);
          status = String(res.status);
          await res.arrayBuffer();
        } catch {
          /* counted below */
        }
        const ackAt = Date.now();
        if (status !== "202") {
          failures[status] = (failures[status] ?? 0) + 1;
          continue;
        }
        // The engine's due time is read after the run (from the send's stage line, else the
        // stored state): reads during the burst would compete with the burst itself.
        episodes.push({
          email,
          vid,
          sentAt,
          ackAt,
          dueAt: Math.round((sentAt + ackAt) / 2) + WAIT_MS,
          dueFrom: "estimate",
        });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const postSeconds = (Date.now() - phaseStart) / 1000;
    if (Object.keys(failures).length) console.warn("latency bench: ingest failures", failures);

    // Wait (bounded) for every episode's email.
    const lastDue = Math.max(...episodes.map((e) => e.dueAt), Date.now());
    const deadline = lastDue + GRACE_MS;
    while (Date.now() < deadline && episodes.some((e) => !received.has(e.email))) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const cpu1 = s.runtimeCpuMs();
    const samples = sampler.stop();
    // A short settle so late retries or duplicates, if any, are seen too.
    await new Promise((r) => setTimeout(r, 1_000));
    // The engine's due times: the one each send carried (its stage line), else the stored state.
    const dueByKey = new Map<string, number>();
    for (const l of stageLines(s.logs))
      if (l.msg === "stage.deliver" && typeof l.due === "number") dueByKey.set(l.key, l.due);
    for (const e of episodes) {
      const key = sendsByEmail.get(e.email)?.[0]?.idempotencyKey;
      const due = key === undefined ? undefined : dueByKey.get(key);
      const fromState = due ?? (await storedDue(s, e.vid).catch(() => null));
      if (fromState !== null) Object.assign(e, { dueAt: fromState, dueFrom: "state" });
    }

    const latencies = episodes
      .filter((e) => received.has(e.email))
      .map((e) => received.get(e.email)! - e.dueAt)
      .sort((a, b) => a - b);
    const lost = episodes.length - latencies.length;
    const postFailures = visitors - episodes.length;
    const contractErrors = fake.requests.filter((r) => r.status !== 200).length;
    const duplicates = [...sendsByEmail.values()].filter((v) => v.length > 1).length;
    const early = latencies.filter((l) => l < 0).length;
    if (lost)
      console.warn(
        `latency bench: ${lost} of ${episodes.length} due emails never reached the sender`,
      );
    if (postFailures)
      console.warn(`latency bench: ${postFailures} of ${visitors} batches were not accepted`);
    if (contractErrors) {
      console.warn(
        "latency bench: requests the fake Resend refused:",
        fake.requests.filter((r) => r.status !== 200).slice(0, 5),
      );
    }
    if (early) console.warn(`latency bench: ${early} emails arrived before their due time`);
    const mean = latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length);
    return {
      episodes: latencies.length,
      p50: Math.round(percentile(latencies, 50)),
      p90: Math.round(percentile(latencies, 90)),
      p99: Math.round(percentile(latencies, 99)),
      max: Math.round(latencies.at(-1) ?? 0),
      min: Math.round(latencies[0] ?? 0),
      mean: Math.round(mean),
      lost,
      postFailures,
      early,
      duplicates,
      contractErrors,
      dueFromState: episodes.filter((e) => e.dueFrom === "state").length,
      postSeconds: Math.round(postSeconds * 10) / 10,
      offeredPerSec: Math.round((episodes.length / Math.max(0.001, postSeconds)) * 10) / 10,
      stages: stageTable(s.logs, receivedByKey),
      loadAvg: [load0, Math.round(loadavg()[0]! * 100) / 100],
      cpuMsPerEpisode:
        cpu0 === null || cpu1 === null || !episodes.length
          ? null
          : Math.round(((cpu1 - cpu0) / episodes.length) * 10) / 10,
      busiestThreadShare: busiestShare(samples[0], samples.at(-1)),
      busiestThreadPeakShare:
        samples.length < 2
          ? null
          : Math.max(...samples.slice(1).map((b, i) => busiestShare(samples[i], b) ?? 0)),
    };
  } finally {
    if (process.env.BENCH_LOGS && stack) {
      const { writeFileSync } = await import("node:fs");
      writeFileSync(process.env.BENCH_LOGS, `${stack.logs.join("\n")}\n`);
    }
    await stack?.stop();
    await fake.close();
  }
}
/**
 * Five runs, each on a fresh stack (a fresh local database):
 * - steady (the headline): 240 visitors arriving at 5 per second (so 5 due emails per second,
 *   18,000 an hour, far above an independent store's rate), provider limit raised to 100/s, so
 *   what is measured is the worker's own path: alarm → engine → outbox → Contact object →
 *   render → HTTP call;
 * - burst: 240 visitors arriving at 30 per second (30 due emails a second for 8 s), limit
 *   100/s: ingest, alarms and sends share the one local runtime thread;
 * - overload: the same 240 as fast as 16 clients can post them on this machine (36–116 a second
 *   in trials, set by the local disk): the runtime saturates and queueing shows;
 * - default account: Resend's default limit of 2 calls per second, 40 visitors arriving at 1.6
 *   per second (under the limit). Above the limit due emails wait their turn, by design;
 * - flood: 120 due at once against a limit of 5/s that the fake Resend enforces (runFlood).
 */
export async function benchLatency(): Promise<Record<string, number | string | object>> {
  const a = await runLatency({ visitors: 240, concurrency: 16, ratePerSec: 100, intervalMs: 200 });
  const b = await runLatency({
    visitors: 240,
    concurrency: 16,
    ratePerSec: 100,
    intervalMs: 1000 / 30,
  });
  const o = await runLatency({ visitors: 240, concurrency: 16, ratePerSec: 100, intervalMs: 0 });
  const c = await runLatency({ visitors: 40, concurrency: 4, ratePerSec: 2, intervalMs: 625 });
  const f = await runFlood({ emails: 120, ratePerSec: 5 });
  printStages(`burst (${b.offeredPerSec} due/s, load ${b.loadAvg.join(" → ")})`, b.stages);
  printStages(`overload (${o.offeredPerSec} due/s, load ${o.loadAvg.join(" → ")})`, o.stages);
  for (const [name, r] of [
    ["steady", a],
    ["burst", b],
    ["overload", o],
  ] as const)
    console.log(
      `${name}: ${r.cpuMsPerEpisode} CPU ms per episode; busiest runtime thread busy ` +
        `${r.busiestThreadShare} of the run, ${r.busiestThreadPeakShare} in its busiest second`,
    );
  console.log("flood", JSON.stringify(f));
  const runs = [a, b, o, c];
  const sum = (k: "lost" | "duplicates" | "early" | "postFailures" | "contractErrors") =>
    runs.reduce((n, r) => n + r[k], 0);
  return {
    triggerLatencyEpisodes: a.episodes,
    triggerLatencyP50Ms: a.p50,
    triggerLatencyP90Ms: a.p90,
    triggerLatencyP99Ms: a.p99,
    triggerLatencyMaxMs: a.max,
    triggerLatencyMinMs: a.min,
    triggerLatencyMeanMs: a.mean,
    triggerLatencyLost: sum("lost"),
    triggerLatencyDuplicates: sum("duplicates"),
    triggerLatencyEarly: sum("early"),
    triggerLatencyPostFailures: sum("postFailures"),
    triggerLatencyContractErrors: sum("contractErrors"),
    triggerLatencyDueFromState: a.dueFromState,
    triggerLatencyOfferedPerSec: a.offeredPerSec,
    triggerLatencyBurstEpisodes: b.episodes,
    triggerLatencyBurstP50Ms: b.p50,
    triggerLatencyBurstP99Ms: b.p99,
    triggerLatencyBurstMaxMs: b.max,
    triggerLatencyBurstOfferedPerSec: b.offeredPerSec,
    triggerLatencyOverloadEpisodes: o.episodes,
    triggerLatencyOverloadP50Ms: o.p50,
    triggerLatencyOverloadP99Ms: o.p99,
    triggerLatencyOverloadMaxMs: o.max,
    triggerLatencyOverloadOfferedPerSec: o.offeredPerSec,
    triggerLatencyDefaultLimitEpisodes: c.episodes,
    triggerLatencyDefaultLimitP50Ms: c.p50,
    triggerLatencyDefaultLimitP99Ms: c.p99,
    triggerLatencyDefaultLimitMaxMs: c.max,
    triggerLatencyDefaultLimitOfferedPerSec: c.offeredPerSec,
    triggerLatencyBurstStages: { ...b.stages, loadAvg1m: b.loadAvg },
    triggerLatencyOverloadStages: { ...o.stages, loadAvg1m: o.loadAvg },
    // CPU per episode (its ingest and its send) and the busiest runtime thread's share of
    // wall time: what bounds the burst on this machine.
    triggerLatencyCpuMsPerEpisode: a.cpuMsPerEpisode ?? "n/a",
    triggerLatencyBusiestThreadShare: a.busiestThreadShare ?? "n/a",
    triggerLatencyBurstCpuMsPerEpisode: b.cpuMsPerEpisode ?? "n/a",
    triggerLatencyBurstBusiestThreadShare: b.busiestThreadShare ?? "n/a",
    triggerLatencyBurstBusiestThreadPeakShare: b.busiestThreadPeakShare ?? "n/a",
    triggerLatencyOverloadCpuMsPerEpisode: o.cpuMsPerEpisode ?? "n/a",
    triggerLatencyOverloadBusiestThreadShare: o.busiestThreadShare ?? "n/a",
    triggerLatencyOverloadBusiestThreadPeakShare: o.busiestThreadPeakShare ?? "n/a",
    triggerLatencySteadyStages: a.stages,
    floodEmails: f.emails,
    floodRateLimitPerSec: f.ratePerSec,
    floodDrainSeconds: f.drainSeconds,
    floodObservedPerSec: f.observedPerSec,
    floodMaxInAnySecond: f.maxInAnySecond,
    floodLost: f.lost,
    floodDuplicates: f.duplicates,
    floodProvider429s: f.provider429s,
    floodPostFailures: f.postFailures,
  };
}
