// The fault-injection run shared by test/node/fault-injection.test.ts and bench/faults.ts: N due
// send effects through the Visitor's live retry path (runEffect, with a faster policy) and the
// real Resend SDK (ResendSender) → the fake Resend with injected faults, plus re-runs.
import { outcomeOfSend } from "../../worker/contact/protocol.ts";
import type { SendEffect } from "../../worker/engine/index.ts";
import { ResendSender } from "../../worker/mail/resend-sender.ts";
import type { OutgoingEmail } from "../../worker/mail/sender.ts";
import { runEffect, type RetryPolicy, type RunnerHost } from "../../worker/visitor/runner.ts";
import { startFakeResend, type FaultConfig, type RecordedSend } from "./fake-resend.ts";

export interface FaultRunOptions {
  emails?: number;
  concurrency?: number;
  faults?: FaultConfig;
  /** Client timeout per request (ms); keep it well under faults.slowMs. */
  timeoutMs?: number;
  policy?: Partial<RetryPolicy>;
  /** Every k-th email is delivered a second time after its first delivery (alarm re-run). */
  rerunEvery?: number;
}

export interface FaultRunResult {
  figures: Record<string, number | string | Record<string, number>>;
  failures: string[];
  /** Resend ids each key's successful attempts saw. */
  idsByKey: Map<string, Set<string>>;
  sends: RecordedSend[];
  keys: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

function count<T>(items: Iterable<T>): Record<string, number> {
  const m = new Map<string, number>();
  for (const i of items) m.set(String(i), (m.get(String(i)) ?? 0) + 1);
  return Object.fromEntries([...m].sort());
}

export async function runFaultInjection(opts: FaultRunOptions = {}): Promise<FaultRunResult> {
  const n = opts.emails ?? 1000;
  const concurrency = opts.concurrency ?? 50;
  const faults = opts.faults ?? {
    seed: 42,
    error5xx: 0.1,
    rateLimit429: 0.1,
    retryAfterSec: 0.02,
    slow: 0.1,
    slowMs: 800,
  };
  const policy = { baseMs: 5, capMs: 200, maxAttempts: 40, ...opts.policy };
  const fake = await startFakeResend({ apiKey: "re_fault", faults });
  try {
    const sender = new ResendSender({
      apiKey: "re_fault",
      baseUrl: fake.url,
      timeoutMs: opts.timeoutMs ?? 400,
    });
    const emails: OutgoingEmail[] = Array.from({ length: n }, (_, i) => ({
      idempotencyKey: `demo:cart-abandoned:ep${i}:0`,
      from: "Demo Shop <shop@example.com>",
      to: `shopper${i}@example.com`,
      subject: "You left something behind",
      html: `<p>Email ${i}</p>`,
      text: `Email ${i}`,
      headers: { "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" },
      tags: [{ name: "trigger", value: "cart-abandoned" }],
    }));
    const effects: SendEffect[] = emails.map((e, i) => ({
      type: "send",
      key: e.idempotencyKey,
      trigger: "cart-abandoned",
      episode: `ep${i}`,
      step: 0,
      due: 0,
      variant: null,
      holdout: false,
      template: "cart-abandoned",
      subject: e.subject,
      frequencyCap: true,
      marketing: true,
      email: e.to,
      context: {},
    }));
    const byKey = new Map(emails.map((e) => [e.idempotencyKey, e]));
    const every = opts.rerunEvery ?? 5;
    const queue = [...effects, ...effects.filter((_, i) => i % every === 0)];
    const idsByKey = new Map<string, Set<string>>();
    const failures: string[] = [];
    const retryReasons: string[] = [];
    const rng = seeded(7);
    let attempts = 0;
    let maxAttempts = 0;
    let next = 0;
    // The Contact object's part, reduced to the provider call: what the runner sees of it.
    const host: RunnerHost = {
      deliver: async (effect) => {
        const out = outcomeOfSend(await sender.send(byKey.get(effect.key)!));
        if (out.status === "sent")
          idsByKey.set(effect.key, (idsByKey.get(effect.key) ?? new Set()).add(out.id));
        if (out.status === "failed") failures.push(`${effect.key}: ${out.reason}`);
        return out;
      },
      webhook: async () => ({ ok: true }),
    };
    const started = Date.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < queue.length) {
          const effect = queue[next++]!;
          for (let attempt = 0; ; attempt++) {
            const t0 = Date.now();
            const r = await runEffect(host, effect, attempt, t0, rng, policy);
            attempts++;
            maxAttempts = Math.max(maxAttempts, attempt + 1);
            if (r.done) {
              for (const f of r.facts)
                if (f.type === "failed") {
                  retryReasons.push(f.reason);
                  failures.push(`${effect.key}: ${f.reason}`);
                }
              break;
            }
            retryReasons.push(r.reason);
            await sleep(r.nextAt - t0); // the backoff counts from the answer, as before
          }
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    await sleep((faults.slowMs ?? 0) + 100); // let in-flight slow requests finish server-side
    const injected = fake.requests.filter((r) => r.fault !== null).length;
    const perKey = count(fake.sends.map((s) => s.idempotencyKey));
    return {
      failures,
      idsByKey,
      sends: [...fake.sends],
      keys: emails.map((e) => e.idempotencyKey),
      figures: {
        emails: n,
        deliveries_requested: queue.length,
        http_requests: fake.requests.length,
        injected_faults: injected,
        injected_by_kind: count(fake.requests.flatMap((r) => (r.fault ? [r.fault] : []))),
        fault_share: +(injected / fake.requests.length).toFixed(3),
        server_outcomes: count(fake.requests.map((r) => r.outcome)),
        client_retry_reasons: count(retryReasons),
        attempts_total: attempts,
        max_attempts_one_email: maxAttempts,
        distinct_sends_recorded: fake.sends.length,
        keys_sent_more_than_once: Object.values(perKey).filter((c) => c > 1).length,
        lost: n - Object.keys(perKey).length,
        permanent_failures: failures.length,
        seconds: +seconds.toFixed(1),
      },
    };
  } finally {
    await fake.close();
  }
}
