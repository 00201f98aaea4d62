// Webhook steps: POST the step's payload as JSON with an Idempotency-Key, 10 s timeout.
// Classifies the answer for the runner (2xx done; 429/5xx/network retry; other 4xx fail).
import type { Effect } from "../engine/effects.ts";
import type { WebhookOutcome } from "./runner.ts";
import { humanStep } from "../lib/step.ts";
import { isoTime } from "../lib/time.ts";

/** How long a receiver has to answer. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/** What the receiver gets: the step's payload, the step counted from 1 (the Idempotency-Key
 * keeps the internal index) and its due time as ISO 8601. */
export function webhookBody(effect: Extract<Effect, { type: "webhook" }>, site: string): string {
  const { due, ...payload } = effect.payload;
  return JSON.stringify({
    ...payload,
    ...(typeof due === "number" ? { due: isoTime(due) } : {}),
    site,
    trigger: effect.trigger,
    step: humanStep(effect.step),
  });
}

export async function postWebhook(
  effect: Extract<Effect, { type: "webhook" }>,
  site: string,
  timeoutMs = WEBHOOK_TIMEOUT_MS,
): Promise<WebhookOutcome> {
  const res = await fetch(effect.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "idempotency-key": effect.key,
      "user-agent": "nudge-webhook/1",
    },
    body: webhookBody(effect, site),
    signal: AbortSignal.timeout(timeoutMs),
  });
  await res.body?.cancel();
  if (res.ok) return { ok: true };
  const retryAfter = Number(res.headers.get("retry-after"));
  if (res.status === 429 || res.status >= 500) {
    return {
      ok: false,
      retryable: true,
      reason: `http_${res.status}`,
      ...(retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
    };
  }
  return { ok: false, retryable: false, reason: `http_${res.status}` };
}
