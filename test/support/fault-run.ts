// The fault-injection run shared by test/node/fault-injection.test.ts and bench/faults.ts: N due
// emails through ResendSender (real SDK) → fake Resend with injected faults, retried per nextAttempt.
import { PacedSender } from "../../worker/mail/paced-sender.ts";
import { ResendSender } from "../../worker/mail/resend-sender.ts";
import { nextAttempt, type RetryPolicy } from "../../worker/mail/retry.ts";
import type { OutgoingEmail, Sender } from "../../worker/mail/sender.ts";
import { startFakeResend, type FaultConfig, type RecordedSend } from "./fake-resend.ts";

export interface FaultRunOptions {
  emails?: number;
  concurrency?: number;
  faults?: FaultConfig;
  /** Client timeout per request (ms); keep it well under faults.slowMs. */
  timeoutMs?: number;
  policy?: RetryPolicy;
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
  const policy = opts.policy ?? { baseMs: 5, capMs: 200, maxAttempts: 40 };
  const fake = await startFakeResend({ apiKey: "re_fault", faults });
  try {
    const sender: Sender = new PacedSender(
      new ResendSender({ apiKey: "re_fault", baseUrl: fake.url, timeoutMs: opts.timeoutMs ?? 400 }),
      { ratePerSec: 5000, burst: concurrency },
    );
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
    const every = opts.rerunEvery ?? 5;
    const queue = [...emails, ...emails.filter((_, i) => i % every === 0)];
    const idsByKey = new Map<string, Set<string>>();
    const failures: string[] = [];
    const retryReasons: string[] = [];
    const rng = seeded(7);
    let attempts = 0;
    let maxAttempts = 0;
    let next = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < queue.length) {
          const msg = queue[next++]!;
          for (let attempt = 0; ; attempt++) {
            const d = nextAttempt(await sender.send(msg), attempt, rng, policy);
            attempts++;
            maxAttempts = Math.max(maxAttempts, attempt + 1);
            if (d.action === "done") {
              idsByKey.set(
                msg.idempotencyKey,
                (idsByKey.get(msg.idempotencyKey) ?? new Set()).add(d.id),
              );
              break;
            }
            retryReasons.push(d.reason);
            if (d.action === "fail") {
              failures.push(`${msg.idempotencyKey}: ${d.reason}`);
              break;
            }
            await sleep(d.delayMs);
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
