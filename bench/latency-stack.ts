// The trigger-latency bench's stack: a `wrangler dev` worker whose one trigger is cart-abandoned,
// one step WAIT_MS after the cart, sending through the fake Resend; and the stage timings that
// worker logs (worker/lib/stage-log.ts). Shared by the latency runs (latency.ts) and the flood
// (flood.ts).
import { startStack, type Stack } from "../test/browser/support/stack.ts";
import { CART_TRIGGER, cartAbandonedOnly } from "../test/support/episodes.ts";

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
