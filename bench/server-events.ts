// Server events API figures for `npm run bench`, on the real local stack (`wrangler dev`, dev
// outbox, the demo site's triggers: a thank-you email on every purchase, a win-back):
// - Backfill: 10,000 `purchase` events for 1,000 people (10 distinct orders each, 30 days old, so
//   they are history and must start nothing), in a seeded shuffled order (a backfill in date
//   order mixes people, and one request may name the same person twice), 100 events a request,
//   4 requests in flight. serverEventsPerSec = events accepted ÷ wall seconds.
// - Replay: the same 100 requests again: every event must come back as a duplicate.
// - Stored once: for 50 of the people, the server-side visitor's profile must count exactly 10
//   orders and the revenue sent (serverEventsLost / serverEventsDoubled count missing and extra
//   orders); no episode and no email may come of the backfill.
import { writeFileSync } from "node:fs";
import { load, type LoadResult } from "./load.ts";
import { SERVER_KEY, startStack } from "../test/browser/support/stack.ts";
import { mulberry32 } from "../test/support/prng.ts";

const SITE = "srvbench";
const PEOPLE = 1000;
const ORDERS = 10;
const PER_REQUEST = 100;
const CONCURRENCY = 4;
const SAMPLE = 50;
const DAY_MS = 86_400_000;

interface PurchaseEvent {
  id: string;
  name: "purchase";
  email: string;
  at: string;
  data: { order_id: string; value: number; currency: string };
}

const pad = (n: number) => String(n).padStart(4, "0");
const emailOf = (p: number) => `buyer${pad(p)}@example.com`;
/** Order `o` of person `p`: values with cents, different per person and order. */
const valueOf = (p: number, o: number) => Math.round((12 + (p % 37) * 1.5 + o * 3.25) * 100) / 100;
const revenueOf = (p: number) =>
  Math.round(
    Array.from({ length: ORDERS }, (_, o) => valueOf(p, o)).reduce((a, b) => a + b) * 100,
  ) / 100;

function batches(now: number): string[] {
  const events: PurchaseEvent[] = [];
  for (let p = 0; p < PEOPLE; p++)
    for (let o = 0; o < ORDERS; o++)
      events.push({
        id: `bf${pad(p)}o${o}`,
        name: "purchase",
        email: emailOf(p),
        // 30 days ago, an hour apart: more than a day old, so history.
        at: new Date(now - 30 * DAY_MS + o * 3_600_000).toISOString(),
        data: { order_id: `ord-${pad(p)}-${o}`, value: valueOf(p, o), currency: "EUR" },
      });
  const random = mulberry32(20261204); // the same shuffle on every run
  for (let i = events.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [events[i], events[j]] = [events[j]!, events[i]!];
  }
  const out: string[] = [];
  for (let i = 0; i < events.length; i += PER_REQUEST)
    out.push(JSON.stringify({ site: SITE, events: events.slice(i, i + PER_REQUEST) }));
  return out;
}

interface Pass {
  load: LoadResult;
  accepted: number;
  duplicates: number;
  /** Batches without a 202 answer (retried afterwards). */
  failed: Set<number>;
  /** The first answer that was not a 202, for the report. */
  firstFailure: string | null;
}

/** Counts a 202 answer for batch `i`: what it accepted, what it had already. */
function tally(r: Pass, i: number, text: string): void {
  const { accepted, duplicates } = JSON.parse(text) as { accepted: number; duplicates: number };
  r.accepted += accepted;
  r.duplicates += duplicates;
  r.failed.delete(i);
}

export async function benchServerEvents(): Promise<Record<string, number | string>> {
  const stack = await startStack({ site: SITE });
  try {
    const bodies = batches(Date.now());
    const post = (body: string) =>
      fetch(`${stack.worker}/v1/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${SERVER_KEY}`, "content-type": "application/json" },
        body,
      });
    const pass = async (maxMs: number): Promise<Pass> => {
      const r: Pass = {
        accepted: 0,
        duplicates: 0,
        failed: new Set(bodies.map((_, i) => i)),
        firstFailure: null,
        load: undefined as unknown as LoadResult,
      };
      r.load = await load(
        { total: bodies.length, concurrency: CONCURRENCY, maxMs },
        (i) => post(bodies[i]!),
        async (i, res) => {
          const text = await res.text();
          if (res.status !== 202) {
            r.firstFailure ??= `batch ${i}: ${res.status} ${text.slice(0, 300)}`;
            return;
          }
          tally(r, i, text);
        },
      );
      return r;
    };
    /** What a client does on a 503 or a lost answer: send the same batch again (bounded). */
    const retry = async (r: Pass): Promise<number> => {
      let sent = 0;
      for (const i of [...r.failed]) {
        for (let attempt = 0; attempt < 3 && r.failed.has(i); attempt++) {
          sent++;
          try {
            const res = await post(bodies[i]!);
            const text = await res.text();
            if (res.status === 202) tally(r, i, text);
          } catch {
            /* tried again */
          }
        }
      }
      return sent;
    };

    // 1. Backfill.
    const backfill = await pass(240_000);
    const acceptedInLoad = backfill.accepted;
    const backfillRetries = await retry(backfill);

    // 2. Replay: every id has been seen.
    const replay = await pass(120_000);
    const replayRetries = await retry(replay);

    // 3. Stored once: the server-side visitor of every 20th person.
    let lost = 0;
    let doubled = 0;
    let revenueOff = 0;
    let episodes = 0;
    let missing = 0;
    for (let s = 0; s < SAMPLE; s++) {
      const p = s * Math.floor(PEOPLE / SAMPLE);
      const res = await stack.admin(`${await stack.contactPath(SITE, emailOf(p))}/export`);
      if (res.status !== 200) {
        await res.arrayBuffer();
        missing++;
        lost += ORDERS;
        continue;
      }
      const { visitors } = (await res.json()) as {
        visitors: {
          vid: string;
          state: {
            profile: { orders: number; revenue: number };
            engine: { episodes: Record<string, unknown> };
          } | null;
        }[];
      };
      const srv = visitors.find((v) => v.vid.startsWith("srv."))?.state;
      if (!srv) {
        missing++;
        lost += ORDERS;
        continue;
      }
      lost += Math.max(0, ORDERS - srv.profile.orders);
      doubled += Math.max(0, srv.profile.orders - ORDERS);
      if (Math.abs(srv.profile.revenue - revenueOf(p)) > 0.005) revenueOff++;
      episodes += Object.keys(srv.engine.episodes).length;
    }
    // Nothing of the backfill may be emailed: a thank-you step is due at once (wait 0s), so by
    // now it would be in the dev outbox.
    const outbox = await fetch(`${stack.worker}/_dev/outbox.json`);
    const { emails } = (await outbox.json()) as { emails: unknown[] };
    const errorLines = stack.logs.filter((l) => l.includes('"level":"error"')).length;
    // A 503 "Your worker restarted mid-request" comes from wrangler's proxy, not from the worker:
    // the local runtime was reloaded or restarted under the request.
    const reloads = stack.logs.filter((l) => /Reloading local server/.test(l)).length;

    return {
      serverEventsSent: bodies.length * PER_REQUEST,
      serverRequests: backfill.load.requests,
      serverEventsAccepted: backfill.accepted,
      serverEventsPerSec: Math.round(acceptedInLoad / backfill.load.seconds),
      serverRequestP50Ms: Math.round(backfill.load.p50Ms),
      serverRequestP99Ms: Math.round(backfill.load.p99Ms),
      serverStatuses: JSON.stringify(backfill.load.statuses),
      serverRetriedRequests: backfillRetries,
      serverFirstFailure: backfill.firstFailure ?? "none",
      serverEventsAcceptedOnReplay: replay.accepted,
      serverEventsDuplicatesOnReplay: replay.duplicates,
      serverReplayEventsPerSec: Math.round(
        (replay.load.requests * PER_REQUEST) / replay.load.seconds,
      ),
      serverReplayP50Ms: Math.round(replay.load.p50Ms),
      serverReplayStatuses: JSON.stringify(replay.load.statuses),
      serverReplayRetriedRequests: replayRetries,
      serverSamplePeople: SAMPLE,
      serverSampleMissing: missing,
      serverEventsLost: lost,
      serverEventsDoubled: doubled,
      serverRevenueMismatches: revenueOff,
      serverBackfillEpisodes: episodes,
      serverBackfillEmails: emails.length,
      serverErrorLogLines: errorLines,
      serverRuntimeReloads: reloads,
    };
  } finally {
    // BENCH_LOGS=/tmp/server.log keeps what `wrangler dev` printed (worker log lines included).
    if (process.env.BENCH_LOGS) writeFileSync(process.env.BENCH_LOGS, `${stack.logs.join("\n")}\n`);
    await stack.stop();
  }
}
