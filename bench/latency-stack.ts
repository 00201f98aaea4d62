// The trigger-latency bench's stack: a `wrangler dev` worker whose one trigger is cart-abandoned,
// one step WAIT_MS after the cart, sending through the fake Resend; and the stage timings that
// worker logs (worker/lib/stage-log.ts) and where each email's time went by them. Shared by the
// latency runs (latency.ts) and the flood (flood.ts).
import { startStack, type Stack } from "../test/browser/support/stack.ts";
import { CART_TRIGGER, cartAbandonedOnly } from "../test/support/episodes.ts";
import { percentile } from "./load.ts";

export const SITE = "bench";
export const TRIGGER = CART_TRIGGER;
export const WAIT_MS = 2_000;
export const API_KEY = "re_bench_key";

/** A stack whose one trigger is cart-abandoned, one step WAIT_MS after the cart, every episode
 * sending. Resend is the fake at `resendUrl`; RESEND_RATE_LIMIT is `ratePerSec`. */
export function latencyStack(resendUrl: string, ratePerSec: number): Promise<Stack> {
  return startStack({
    site: SITE,
    vars: {
      RESEND_API_KEY: API_KEY,
      RESEND_BASE_URL: resendUrl,
      RESEND_RATE_LIMIT: String(ratePerSec),
    },
    config: cartAbandonedOnly(`${WAIT_MS / 1000}s`),
  });
}

/** One line of the worker's stage timings (worker/lib/stage-log.ts), keyed by the send key. */
export interface StageLine {
  msg: "stage.drain" | "stage.deliver";
  key: string;
  [field: string]: unknown;
}

export function stageLines(logs: string[]): StageLine[] {
  const out: StageLine[] = [];
  for (const l of logs) {
    const i = l.indexOf('{"at"');
    if (i < 0 || !l.includes('"msg":"stage.')) continue;
    try {
      out.push(JSON.parse(l.slice(i)) as StageLine);
    } catch {
      /* a line cut short: skipped */
    }
  }
  return out;
}

/**
 * Where each email's time went, from the stage lines and the fake's receive time: due → the
 * alarm fired → the state committed → the effect started (after the ones before it in the same
 * run) → the Contact object entered → the provider slot booked (the Pacer's answer) → rendered
 * (template override, coupons, catalog, Liquid) → the slot's time came and the re-check passed →
 * the fake received the SDK's request. `afterSend`: from the
 * provider's answer to the end of the effect's turn in the drain (recording, the next effect).
 */
export function stageTable(
  logs: string[],
  receivedByKey: Map<string, number>,
): Record<string, { p50: number; p99: number }> {
  const lines = stageLines(logs);
  const drains = new Map<string, StageLine[]>();
  for (const l of lines)
    if (l.msg === "stage.drain") drains.set(l.key, [...(drains.get(l.key) ?? []), l]);
  const samples: Record<string, number[]> = {};
  const add = (k: string, v: number) => (samples[k] ??= []).push(v);
  for (const d of lines) {
    if (d.msg !== "stage.deliver") continue;
    const received = receivedByKey.get(d.key);
    const t = d as unknown as Record<string, number>;
    // The drain run that made this delivery: the last one started before it was entered.
    const run = (drains.get(d.key) ?? [])
      .map((x) => x as unknown as Record<string, number>)
      .filter((x) => x.startAt! <= t.enteredAt!)
      .at(-1);
    if (received === undefined || !run) continue;
    add("alarmLate", run.firedAt! - t.due!);
    add("commit", run.drainAt! - run.firedAt!);
    add("queuedInDrain", run.startAt! - run.drainAt!);
    add("toContact", t.enteredAt! - run.startAt!);
    add("pacer", t.slotAt! - t.enteredAt!);
    add("render", t.preparedAt! - t.slotAt!);
    add("waitInLine", t.renderedAt! - t.preparedAt!);
    add("sdkToFake", received - t.renderedAt!);
    add("total", received - t.due!);
    add("afterSend", run.doneAt! - t.answeredAt!);
  }
  const table: Record<string, { p50: number; p99: number }> = {};
  for (const [k, v] of Object.entries(samples)) {
    v.sort((a, b) => a - b);
    table[k] = { p50: Math.round(percentile(v, 50)), p99: Math.round(percentile(v, 99)) };
  }
  return table;
}

export function printStages(label: string, stages: Record<string, { p50: number; p99: number }>) {
  console.log(`\nlatency stages, ${label} (ms)\n${"stage".padEnd(14)}  ${"p50".padStart(6)}  p99`);
  for (const [k, v] of Object.entries(stages))
    console.log(`${k.padEnd(14)}  ${String(v.p50).padStart(6)}  ${v.p99}`);
}
