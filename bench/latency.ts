// Trigger latency bench: how long after a step is due does the email reach the sender?
// Runs the real worker under `wrangler dev` (local workerd) with a one-trigger config whose
// only step waits 2 s, against the contract-validating fake Resend on loopback. For each of
// N visitors it posts identify + cart, reads the due time the engine stored (admin API), and
// measures fake-Resend receive time − due time. Bounded in count and time; loopback only.
// Run alone: `npx tsx bench/run.ts latency`.
import { startFakeResend, type RecordedSend } from "../test/support/fake-resend.ts";
import { startStack, type Stack } from "../test/browser/support/stack.ts";
import { cartBatch, postBatch, recipient, urlSafeId } from "../test/support/episodes.ts";
import { percentile } from "./load.ts";

const SITE = "bench";
const TRIGGER = "cart-abandoned";
const WAIT_MS = 2_000;
const API_KEY = "re_bench_key";
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
  const sendsByEmail = new Map<string, RecordedSend[]>();
  const push = fake.sends.push.bind(fake.sends);
  fake.sends.push = (...items: RecordedSend[]) => {
    const now = Date.now();
    for (const s of items) {
      const email = recipient(s.body);
      if (!email) continue;
      if (!received.has(email)) received.set(email, now);
      sendsByEmail.set(email, [...(sendsByEmail.get(email) ?? []), s]);
    }
    return push(...items);
  };

  let stack: Stack | null = null;
  try {
    stack = await startStack({
      site: SITE,
      vars: {
        RESEND_API_KEY: API_KEY,
        RESEND_BASE_URL: fake.url,
        RESEND_RATE_LIMIT: String(opts.ratePerSec),
      },
      config: {
        frequencyCap: false,
        triggers: [
          {
            id: TRIGGER,
            on: "cart",
            if: { "cart.value": { gt: 0 } },
            // Not exempt from the cap (that is order mail, for verified addresses only): the
            // site has no cap, so every episode sends.
            steps: [
              { wait: `${WAIT_MS / 1000}s`, template: "cart-abandoned", subject: "Your cart" },
            ],
          },
        ],
      },
    });
    const s = stack;
    // Only the worker isolate is warmed: every visitor and contact object starts cold, as a new
    // shopper's would in a real deployment.
    await (await fetch(`${s.worker}/_ping`)).arrayBuffer();

    const { visitors, concurrency, intervalMs } = opts;
    const episodes: Episode[] = [];
    const failures: Record<string, number> = {};
    let next = 0;
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
        const fromState = await storedDue(s, vid).catch(() => null);
        episodes.push({
          email,
          vid,
          sentAt,
          ackAt,
          dueAt: fromState ?? Math.round((sentAt + ackAt) / 2) + WAIT_MS,
          dueFrom: fromState === null ? "estimate" : "state",
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
    // A short settle so late retries or duplicates, if any, are seen too.
    await new Promise((r) => setTimeout(r, 1_000));

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
 * Three runs, each on a fresh stack (a fresh local database):
 * - steady (the headline): 240 visitors arriving at 5 per second (so 5 due emails per second,
 *   18,000 an hour, far above an independent store's rate), provider limit raised to 100/s, so
 *   what is measured is the worker's own path: alarm → engine → outbox → Contact object →
 *   render → HTTP call;
 * - burst: 240 visitors as fast as 16 clients can post them on this machine, limit 100/s: the
 *   local runtime saturates (ingest, alarms and sends share two cores), and queueing shows;
 * - default account: Resend's default limit of 2 calls per second, 40 visitors arriving at 1.6
 *   per second (under the limit). Above the limit due emails wait their turn, by design.
 */
export async function benchLatency(): Promise<Record<string, number | string>> {
  const a = await runLatency({ visitors: 240, concurrency: 16, ratePerSec: 100, intervalMs: 200 });
  const b = await runLatency({ visitors: 240, concurrency: 16, ratePerSec: 100, intervalMs: 0 });
  const c = await runLatency({ visitors: 40, concurrency: 4, ratePerSec: 2, intervalMs: 625 });
  return {
    triggerLatencyEpisodes: a.episodes,
    triggerLatencyP50Ms: a.p50,
    triggerLatencyP90Ms: a.p90,
    triggerLatencyP99Ms: a.p99,
    triggerLatencyMaxMs: a.max,
    triggerLatencyMinMs: a.min,
    triggerLatencyMeanMs: a.mean,
    triggerLatencyLost: a.lost + b.lost + c.lost,
    triggerLatencyDuplicates: a.duplicates + b.duplicates + c.duplicates,
    triggerLatencyEarly: a.early + b.early + c.early,
    triggerLatencyPostFailures: a.postFailures + b.postFailures + c.postFailures,
    triggerLatencyContractErrors: a.contractErrors + b.contractErrors + c.contractErrors,
    triggerLatencyDueFromState: a.dueFromState,
    triggerLatencyOfferedPerSec: a.offeredPerSec,
    triggerLatencyBurstEpisodes: b.episodes,
    triggerLatencyBurstP50Ms: b.p50,
    triggerLatencyBurstP99Ms: b.p99,
    triggerLatencyBurstMaxMs: b.max,
    triggerLatencyBurstOfferedPerSec: b.offeredPerSec,
    triggerLatencyDefaultLimitEpisodes: c.episodes,
    triggerLatencyDefaultLimitP50Ms: c.p50,
    triggerLatencyDefaultLimitP99Ms: c.p99,
    triggerLatencyDefaultLimitMaxMs: c.max,
    triggerLatencyDefaultLimitOfferedPerSec: c.offeredPerSec,
  };
}
