// The flood: far more due emails than the provider's limit lets through, against a fake Resend
// that enforces that limit (429 above it). The line must drain at the limit, never above it in
// any second, with nothing lost or sent twice. Part of `npx tsx bench/run.ts latency`.
import { startFakeResend } from "../test/support/fake-resend.ts";
import type { Stack } from "../test/browser/support/stack.ts";
import { cartBatch, postBatch, recipient, urlSafeId } from "../test/support/episodes.ts";
import { maxInAnySecond } from "../test/support/windows.ts";
import { API_KEY, SITE, latencyStack, stageLines } from "./latency-stack.ts";

export interface FloodRun {
  emails: number;
  ratePerSec: number;
  drainSeconds: number;
  observedPerSec: number;
  maxInAnySecond: number;
  lost: number;
  duplicates: number;
  provider429s: number;
  postFailures: number;
}

/** Bound on the whole flood run after posting (120 emails at 5/s take 24 s). */
const FLOOD_DEADLINE_MS = 180_000;

/**
 * A flood far above the provider's limit: `emails` visitors posted as fast as 16 clients can
 * (so their emails fall due within a few seconds), RESEND_RATE_LIMIT = `ratePerSec`, and the fake
 * Resend enforcing that same limit (429 above it). What it must show: the line drains at the
 * limit, never above it in any second, nothing lost or sent twice.
 */
export async function runFlood(opts: { emails: number; ratePerSec: number }): Promise<FloodRun> {
  const fake = await startFakeResend({ apiKey: API_KEY, rateLimitPerSec: opts.ratePerSec });
  let stack: Stack | null = null;
  try {
    stack = await latencyStack(fake.url, opts.ratePerSec);
    const s = stack;
    await (await fetch(`${s.worker}/_ping`)).arrayBuffer();
    const emails = new Set<string>();
    let next = 0;
    const poster = async () => {
      for (let i = next++; i < opts.emails; i = next++) {
        const email = `flood-${i}@example.com`;
        try {
          const res = await postBatch(s.worker, s.demo, cartBatch(SITE, urlSafeId(i, "fl"), email));
          if (res.status === 202) emails.add(email);
          await res.arrayBuffer();
        } catch {
          /* counted below */
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, poster));
    const delivered = () => new Set(fake.sends.map((x) => recipient(x.body))).size;
    const deadline = Date.now() + FLOOD_DEADLINE_MS;
    while (delivered() < emails.size && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 2_000));

    const accepted = fake.requests.filter((r) => r.status === 200).map((r) => r.receivedAt);
    // Every call the provider saw (refused ones too): what the pacer let out in any second.
    const calls = fake.requests.map((r) => r.receivedAt);
    const first = Math.min(...accepted);
    const last = Math.max(...accepted);
    const dues = stageLines(s.logs)
      .filter((l) => l.msg === "stage.deliver" && typeof l.due === "number")
      .map((l) => l.due as number);
    const firstDue = dues.length ? Math.min(...dues) : first;
    const byEmail = new Map<string, number>();
    for (const x of fake.sends) {
      const e = recipient(x.body) ?? "";
      byEmail.set(e, (byEmail.get(e) ?? 0) + 1);
    }
    const got = [...emails].filter((e) => byEmail.has(e)).length;
    return {
      emails: got,
      ratePerSec: opts.ratePerSec,
      drainSeconds: Math.round((last - firstDue) / 100) / 10,
      observedPerSec: Math.round(((got - 1) / Math.max(0.001, (last - first) / 1000)) * 100) / 100,
      maxInAnySecond: maxInAnySecond(calls),
      lost: emails.size - got,
      duplicates: [...byEmail.values()].filter((n) => n > 1).length,
      provider429s: fake.requests.filter((r) => r.status === 429).length,
      postFailures: opts.emails - emails.size,
    };
  } finally {
    await stack?.stop();
    await fake.close();
  }
}
