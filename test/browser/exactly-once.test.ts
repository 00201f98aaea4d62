// Exactly-once delivery through the real system (effects at least once, exactly once in effect:
// invariant 2 in docs/architecture.md). 1,000 cart-abandonment episodes on `wrangler dev` (workerd,
// SQLite Durable Objects, alarms) against the contract-validating fake Resend, which answers ~30 %
// of requests with 500/503, 429 (retry-after 1 s) or more slowly than the worker's 10 s client
// timeout. While sends are in flight the whole wrangler/workerd process group is SIGKILLed and
// restarted on the same persistence folder (storage survives, alarms re-run): at 150, 400 and 650
// accepted emails and once more in the retry tail. Some batches are delivered twice (concurrently
// and late). Every recipient must get exactly one accepted email: none lost, none doubled, and the
// worker's ledger must hold the provider's id. Needs no Chromium; loopback only.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CART_TRIGGER,
  cartAbandonedOnly,
  cartBatch,
  postBatch,
  recipient,
  urlSafeId,
} from "../support/episodes.ts";
import { startFakeResend, type FakeResend, type FaultConfig } from "../support/fake-resend.ts";
import { startStack, type Stack } from "./support/stack.ts";
import { printStackLogsOnFailure } from "./support/stack-logs.ts";

const N = 1_000;
const SITE = "once";
const TRIGGER = CART_TRIGGER;
const API_KEY = "re_test";
/** Parallel POST /e clients. */
const POST_CONCURRENCY = 12;
/** 12 % 5xx + 12 % 429 + 6 % slower than the client timeout = 30 % of requests faulted. */
const FAULTS: FaultConfig = {
  seed: 20260501,
  error5xx: 0.12,
  statuses5xx: [500, 503],
  rateLimit429: 0.12,
  retryAfterSec: 1,
  slow: 0.06,
  slowMs: 11_500,
};
/** Accepted-send counts at which the worker is killed hard (SIGKILL) and restarted. */
const KILL_AT = [150, 400, 650];
/** From the first POST until every episode's email has been accepted. */
const DRAIN_MS = 240_000;
const TEST_MS = 330_000;

/** Outcomes of a request that met the contract (faults are injected before validation). */
const CONTRACT_OK = new Set([
  "sent",
  "sent_slow",
  "replayed",
  "replayed_slow",
  "concurrent_idempotent_requests",
]);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tally<T>(items: Iterable<T>): Record<string, number> {
  const m: Record<string, number> = {};
  for (const i of items) m[String(i)] = (m[String(i)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(m).sort());
}

interface Visitor {
  i: number;
  vid: string;
  email: string;
  body: string;
  /** Events the worker reported as accepted over every POST of this batch (must be ≤ 2). */
  accepted: number;
  duplicates: number;
}

describe("exactly once under provider faults and worker crashes (1,000 episodes)", () => {
  let fake: FakeResend | null = null;
  let stack: Stack | null = null;
  printStackLogsOnFailure(() => ({ stack }));

  beforeAll(async () => {
    fake = await startFakeResend({ apiKey: API_KEY, faults: FAULTS });
    stack = await startStack({
      site: SITE,
      vars: { RESEND_API_KEY: API_KEY, RESEND_BASE_URL: fake.url, RESEND_RATE_LIMIT: "200" },
      config: cartAbandonedOnly("2s"),
    });
  });

  afterAll(async () => {
    await stack?.stop().catch(() => undefined);
    await fake?.close().catch(() => undefined);
  });

  it(
    "delivers each due email exactly once: none lost, none doubled",
    async () => {
      const s = stack!;
      const f = fake!;
      const visitors: Visitor[] = Array.from({ length: N }, (_, i) => {
        const vid = urlSafeId(i, "xo");
        const email = `once-${i}@example.com`;
        return { i, vid, email, body: cartBatch(SITE, vid, email), accepted: 0, duplicates: 0 };
      });
      const byEmail = new Map(visitors.map((v) => [v.email, v]));
      const accepted = () => new Set(f.sends.map((x) => x.idempotencyKey)).size;
      const t0 = Date.now();
      let postRetries = 0;
      const postFailures: string[] = [];

      // POST until 202: while the worker is down (or restarting) the batch is sent again, with
      // the same event ids, as the snippet's retry queue would.
      const post = async (v: Visitor): Promise<void> => {
        const deadline = Date.now() + 120_000;
        for (let attempt = 0; ; attempt++) {
          if (attempt > 0) postRetries++;
          try {
            const res = await postBatch(s.worker, s.demo, v.body);
            if (res.status === 202) {
              const r = (await res.json()) as { accepted: number; duplicates: number };
              v.accepted += r.accepted;
              v.duplicates += r.duplicates;
              return;
            }
            const text = await res.text();
            if (res.status < 500 && res.status !== 429) {
              postFailures.push(`${v.vid}: ${res.status} ${text.slice(0, 200)}`);
              return;
            }
          } catch {
            /* connection refused or reset: the worker is being restarted */
          }
          if (Date.now() > deadline) {
            postFailures.push(`${v.vid}: no 202 within 120 s`);
            return;
          }
          await sleep(250);
        }
      };

      // Crash monitor: SIGKILL wrangler + workerd while sends are in flight, restart on the same
      // persistence folder (Durable Object storage and alarms survive; alarms re-run).
      const restarts: { at: number; accepted: number; inFlight: number; downMs: number }[] = [];
      const crash = async () => {
        const at = Date.now();
        const inFlight = f.inFlight();
        const n = accepted();
        await s.restart({ signal: "SIGKILL" });
        restarts.push({ at: at - t0, accepted: n, inFlight, downMs: Date.now() - at });
      };
      const monitor = (async () => {
        for (const threshold of KILL_AT) {
          while (accepted() < threshold && Date.now() - t0 < DRAIN_MS) await sleep(50);
          if (accepted() < threshold) return;
          await crash();
        }
      })();

      // Ingest: every visitor once; every 10th posts its batch twice at the same moment.
      let next = 0;
      await Promise.all(
        Array.from({ length: POST_CONCURRENCY }, async () => {
          for (;;) {
            const i = next++;
            if (i >= N) return;
            const v = visitors[i]!;
            await (i % 10 === 0 ? Promise.all([post(v), post(v)]) : post(v));
          }
        }),
      );
      const postSeconds = (Date.now() - t0) / 1000;
      expect(postFailures, "every batch is accepted (202)").toEqual([]);

      // Late duplicate delivery: every 10th (offset 5) batch again, once its email may be out.
      await Promise.all(
        visitors.filter((v) => v.i % 10 === 5).map((v) => sleep(v.i % 50).then(() => post(v))),
      );

      // One more crash in the retry tail, when only backoff alarms are left.
      await monitor;
      if (accepted() < N) await crash();

      // Drain (bounded): every episode's email accepted by the fake.
      let lastLog = Date.now();
      while (accepted() < N && Date.now() - t0 < DRAIN_MS) {
        if (Date.now() - lastLog > 15_000) {
          lastLog = Date.now();
          console.log(
            `exactly-once: ${accepted()}/${N} accepted after ${Math.round((Date.now() - t0) / 1000)} s, ` +
              `${f.requests.length} requests, ${f.inFlight()} in flight, restarts ${restarts.length}`,
          );
        }
        await sleep(200);
      }
      const drainSeconds = (Date.now() - t0) / 1000;

      const got = new Set(f.sends.map((x) => recipient(x.body)));
      const missing = visitors.filter((v) => !got.has(v.email));
      if (missing.length) {
        // Diagnostics: what the worker still holds for a few of the missing episodes.
        for (const v of missing.slice(0, 5)) {
          const res = await s.admin(`/admin/api/visitors/${SITE}/${v.vid}`).catch(() => null);
          const state = res ? await res.text() : "unreachable";
          console.log(`exactly-once: missing ${v.email} (${v.vid}):`, state.slice(0, 2_000));
        }
        console.log(s.logs.filter((l) => /"level":"(warn|error)"/.test(l)).slice(-20));
      }

      // A short settle: retries still queued (answers lost to timeouts or crashes) may replay,
      // and must not create a second email.
      await sleep(3_000);

      // The worker's own books: each contact's ledger holds the key as sent with the very id the
      // provider issued, or (its answer lost to a timeout or a crash) the visitor's outbox still
      // holds the row, whose next retry replays that id. Nothing failed or skipped.
      const idByKey = new Map(f.sends.map((x) => [x.idempotencyKey, x.id]));
      const books = {
        ledgerSent: 0,
        pendingRetry: 0,
        /** Retries that completed between the ledger read and the outbox read. */
        reread: 0,
        wrongId: [] as string[],
        other: [] as string[],
      };
      type LedgerRow = { key: string; outcome: string; messageId?: string };
      /** An admin read: the JSON body, null for 404; anything else is retried, then thrown. */
      const read = async <T>(path: string): Promise<T | null> => {
        for (let attempt = 0; ; attempt++) {
          const res = await s.admin(path).catch(() => null);
          if (res?.status === 200) return (await res.json()) as T;
          if (res?.status === 404) return (await res.arrayBuffer(), null);
          const why = res ? `${res.status} ${await res.text()}` : "network error";
          if (attempt >= 3) throw new Error(`GET ${path}: ${why}`);
          await sleep(500);
        }
      };
      /** Each contact's admin path, looked up once (the address goes in the lookup's body). */
      const contactPaths = new Map<string, string>();
      const ledger = async (v: Visitor): Promise<LedgerRow[]> => {
        let path = contactPaths.get(v.email);
        if (!path) contactPaths.set(v.email, (path = await s.contactPath(SITE, v.email)));
        const snap = await read<{ sends: LedgerRow[] }>(path);
        return (snap?.sends ?? []).filter((x) => x.key.includes(`.${TRIGGER}.`));
      };
      const queued = async (v: Visitor): Promise<number> =>
        (await read<{ outbox?: unknown[] }>(`/admin/api/visitors/${SITE}/${v.vid}`))?.outbox
          ?.length ?? 0;
      let nextBook = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          for (let i = nextBook++; i < N; i = nextBook++) {
            const v = visitors[i]!;
            let rows = await ledger(v);
            // Not in the ledger yet: the row must still be queued. A retry may complete between
            // the two reads, so an empty outbox sends us back to the ledger (written first).
            if (rows.length === 0) {
              if ((await queued(v)) > 0) {
                books.pendingRetry++;
                continue;
              }
              rows = await ledger(v);
              books.reread++;
            }
            const sent = rows.filter((x) => x.outcome === "sent");
            if (rows.length !== 1 || sent.length !== 1) {
              books.other.push(`${v.email}: ${JSON.stringify(rows)}`);
              continue;
            }
            books.ledgerSent++;
            if (idByKey.get(sent[0]!.key) !== sent[0]!.messageId)
              books.wrongId.push(`${v.email}: ${JSON.stringify(sent[0])}`);
          }
        }),
      );

      // Diagnostics for a key the worker's books do not account for: the provider's view of
      // its requests, the crash times and the worker's log lines for that visitor.
      for (const line of books.other.slice(0, 3)) {
        const v = byEmail.get(line.slice(0, line.indexOf(":")))!;
        const key = f.sends.find((x) => recipient(x.body) === v.email)?.idempotencyKey;
        const reqs = f.requests
          .filter((r) => r.idempotencyKey === key)
          .map((r) => ({ ...r, receivedAt: r.receivedAt - t0, answeredAt: r.answeredAt - t0 }));
        console.log(`exactly-once: unaccounted ${line}`, {
          key,
          requests: reqs,
          restarts: restarts.map((r) => r.at),
          state: await (await s.admin(`/admin/api/visitors/${SITE}/${v.vid}`)).text(),
          log: s.logs.filter((l) => l.includes(v.vid)),
        });
      }

      const sendsPerRecipient = new Map<string, Set<string>>();
      const keysPerRecipient = new Map<string, Set<string>>();
      for (const x of f.sends) {
        const to = recipient(x.body) ?? "?";
        sendsPerRecipient.set(to, (sendsPerRecipient.get(to) ?? new Set()).add(x.id));
        keysPerRecipient.set(to, (keysPerRecipient.get(to) ?? new Set()).add(x.idempotencyKey));
      }
      const doubled = [...sendsPerRecipient].filter(([, ids]) => ids.size > 1);
      const strangers = [...sendsPerRecipient.keys()].filter((e) => !byEmail.has(e));
      const violations = f.requests.filter((r) => r.fault === null && !CONTRACT_OK.has(r.outcome));
      const attemptsPerKey = tally(f.requests.map((r) => r.idempotencyKey ?? "none"));
      const attempts = Object.values(attemptsPerKey);
      const faultKinds = tally(
        f.requests
          .filter((r) => r.fault !== null)
          .map((r) => (r.fault === "5xx" ? String(r.status) : r.fault)),
      );
      // What the worker itself logged about its sends (one JSON line each, across restarts).
      const workerLog = tally(
        s.logs
          .map((l) => /"msg":"((?:send|template)\.[a-z_]+)"/.exec(l)?.[1])
          .filter((m): m is string => m !== undefined),
      );
      const figures = {
        episodes: N,
        acceptedEmails: f.sends.length,
        distinctKeys: new Set(f.sends.map((x) => x.idempotencyKey)).size,
        recipients: sendsPerRecipient.size,
        lost: missing.length,
        doubled: doubled.length,
        requests: f.requests.length,
        faulted: f.requests.filter((r) => r.fault !== null).length,
        faultsByKind: faultKinds,
        outcomes: tally(f.requests.map((r) => r.outcome)),
        contractViolations: violations.length,
        maxAttemptsPerKey: Math.max(0, ...attempts),
        attemptsHistogram: tally(attempts),
        restarts: restarts.length,
        restartDetail: restarts,
        workerLog,
        ledgerSent: books.ledgerSent,
        pendingRetry: books.pendingRetry,
        ledgerReread: books.reread,
        postRetries,
        duplicatesReported: visitors.reduce((a, v) => a + v.duplicates, 0),
        postSeconds: Math.round(postSeconds),
        drainSeconds: Math.round(drainSeconds),
      };
      console.log("exactly-once figures:", JSON.stringify(figures, null, 2));

      expect(violations.slice(0, 5), "every request met the Resend contract").toEqual([]);
      expect(strangers, "no email to an address that was never identified").toEqual([]);
      expect(missing.map((v) => v.email).slice(0, 10), "none lost").toEqual([]);
      expect(doubled.slice(0, 5), "no recipient got two distinct emails").toEqual([]);
      for (const [to, keys] of keysPerRecipient) expect(keys.size, to).toBe(1);
      expect(workerLog["send.failed"] ?? 0, "the worker gave up on no send").toBe(0);
      expect(books.wrongId.slice(0, 5), "ledger ids are the provider's ids").toEqual([]);
      expect(books.other.slice(0, 5), "every key is in the ledger or still queued").toEqual([]);
      expect(books.ledgerSent + books.pendingRetry).toBe(N);
      expect(f.sends.length).toBe(N);
      expect(sendsPerRecipient.size).toBe(N);
      expect(restarts.length, "workerd was killed and restarted mid-flight").toBeGreaterThanOrEqual(
        KILL_AT.length,
      );

      // Event ids deduplicate every re-delivered batch: at most 2 events accepted per visitor.
      expect(visitors.filter((v) => v.accepted > 2).map((v) => v.vid)).toEqual([]);
      expect(figures.duplicatesReported).toBeGreaterThanOrEqual(2 * (N / 10));
    },
    TEST_MS,
  );
});
