// Trigger latency bench: how long after a step is due does the email reach the sender?
// Runs the real worker under `wrangler dev` (local workerd) with a one-trigger config whose
// only step waits 2 s, against the contract-validating fake Resend on loopback. For each of
// N visitors it posts identify + cart, reads the due time the engine stored (admin API), and
// measures fake-Resend receive time − due time. Bounded in count and time; loopback only.
// Run alone: `npx tsx bench/run.ts latency`.
import { startFakeResend, type RecordedSend } from "../test/support/fake-resend.ts";
import { startStack, type Stack } from "../test/browser/support/stack.ts";
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

function urlSafeId(i: number): string {
  // 32 URL-safe characters, distinct per visitor, like the snippet's random ids.
  const rand = Array.from(crypto.getRandomValues(new Uint8Array(18)), (b) =>
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".charAt(b & 63),
  ).join("");
  return `lat${String(i).padStart(5, "0")}${rand}`.slice(0, 32);
}

function recipient(body: Record<string, unknown>): string | null {
  const to = body.to;
  const first = Array.isArray(to) ? to[0] : to;
  if (typeof first !== "string") return null;
  const m = /<([^>]+)>/.exec(first);
  return (m ? m[1]! : first).trim().toLowerCase();
}

/** The due time the engine stored for this visitor's cart-abandoned episode, if still there. */
async function storedDue(stack: Stack, vid: string): Promise<number | null> {
  const res = await stack.admin(`/admin/api/visitors/${SITE}/${vid}`);
  if (res.status !== 200) {
    await res.arrayBuffer();
    return null;
  }
  const s = (await res.json()) as {
    engine?: { episodes?: Record<string, { dueAt: number | null; startedAt: number; step: number }> };
  };
  const ep = s.engine?.episodes?.[TRIGGER];
  if (!ep) return null;
  if (ep.step === 0 && typeof ep.dueAt === "number") return ep.dueAt;
  return typeof ep.startedAt === "number" ? ep.startedAt + WAIT_MS : null;
}

export async function benchLatency(
  opts: LatencyOptions = { visitors: 240, concurrency: 16 },
): Promise<Record<string, number | string>> {
  const fake = await startFakeResend({ apiKey: API_KEY });
  // Receive time of every accepted send: the moment the fake records it (after it has read and
  // validated the body, well under a millisecond after arrival on loopback).
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
      vars: { RESEND_API_KEY: API_KEY, RESEND_BASE_URL: fake.url },
      config: {
        frequencyCap: false,
        triggers: [
          {
            id: TRIGGER,
            on: "cart",
            if: { "cart.value": { gt: 0 } },
            frequencyCap: false,
            steps: [{ wait: `${WAIT_MS / 1000}s`, template: "cart-abandoned", subject: "Your cart" }],
          },
        ],
      },
    });
    const s = stack;
    // Only the worker isolate is warmed: every visitor and contact object starts cold, as a new
    // shopper's would in a real deployment.
    await (await fetch(`${s.worker}/_ping`)).arrayBuffer();

    const { visitors, concurrency } = opts;
    const episodes: Episode[] = [];
    const failures: Record<string, number> = {};
    let next = 0;
    const phaseStart = Date.now();
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= visitors || Date.now() - phaseStart > POST_PHASE_MS) return;
        const vid = urlSafeId(i);
        const email = `bench-${i}@example.com`;
        const body = JSON.stringify({
          site: SITE,
          vid,
          events: [
            { id: `${vid}-id`, name: "identify", data: { email } },
            {
              id: `${vid}-cart`,
              name: "cart",
              data: { items: [{ id: "mug", name: "Mug", price: 12.5, quantity: 1 }], currency: "EUR" },
            },
          ],
        });
        const sentAt = Date.now();
        let status = "error";
        try {
          const res = await fetch(`${s.worker}/e`, {
            method: "POST",
            headers: { "content-type": "text/plain", origin: s.demo },
            body,
          });
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
    const lost = episodes.length - latencies.length + (visitors - episodes.length);
    const contractErrors = fake.requests.filter((r) => r.status !== 200).length;
    const duplicates = [...sendsByEmail.values()].filter((v) => v.length > 1).length;
    const early = latencies.filter((l) => l < 0).length;
    if (lost) console.warn(`latency bench: ${lost} of ${visitors} due emails never reached the sender`);
    if (contractErrors) {
      console.warn(
        "latency bench: requests the fake Resend refused:",
        fake.requests.filter((r) => r.status !== 200).slice(0, 5),
      );
    }
    if (early) console.warn(`latency bench: ${early} emails arrived before their due time`);
    const mean = latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length);
    return {
      triggerLatencyEpisodes: latencies.length,
      triggerLatencyP50Ms: Math.round(percentile(latencies, 50)),
      triggerLatencyP90Ms: Math.round(percentile(latencies, 90)),
      triggerLatencyP99Ms: Math.round(percentile(latencies, 99)),
      triggerLatencyMaxMs: Math.round(latencies.at(-1) ?? 0),
      triggerLatencyMinMs: Math.round(latencies[0] ?? 0),
      triggerLatencyMeanMs: Math.round(mean),
      triggerLatencyLost: lost,
      triggerLatencyDuplicates: duplicates,
      triggerLatencyContractErrors: contractErrors,
      triggerLatencyDueFromState: episodes.filter((e) => e.dueFrom === "state").length,
      triggerLatencyPostSeconds: Math.round(postSeconds * 10) / 10,
      triggerLatencyConcurrency: concurrency,
    };
  } finally {
    await stack?.stop();
    await fake.close();
  }
}
