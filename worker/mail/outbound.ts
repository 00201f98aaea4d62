// How mail leaves: the sender for this environment (Resend, or the dev outbox without
// RESEND_API_KEY) and the account-wide pacing of provider calls. Both live in one well-known
// Contact object each (names no site id can produce, since site ids never start with "_").
import type { OutboxStore } from "./outbox-sender.ts";
import { OutboxSender } from "./outbox-sender.ts";
import { ResendSender } from "./resend-sender.ts";
import type { Sender } from "./sender.ts";

/** Name of the one object that keeps the dev outbox (only used without RESEND_API_KEY). */
export const DEV_OUTBOX = "_dev:outbox";
/** Name of the one object that paces provider calls to the account's rate limit. */
export const PACER = "_pacer";
/** Longest a send waits in line for a slot; beyond that it is retried later (never dropped). */
const MAX_PACE_WAIT_MS = 5_000;
/** Resend's default account limit is 2 requests per second; RESEND_RATE_LIMIT raises it. */
const DEFAULT_RATE_PER_SEC = 2;

export function senderFor(env: Env): Sender {
  if (!env.RESEND_API_KEY) return new OutboxSender(devOutbox(env));
  const baseUrl = env.RESEND_BASE_URL;
  return new ResendSender({ apiKey: env.RESEND_API_KEY, ...(baseUrl ? { baseUrl } : {}) });
}

/**
 * Waits for this send's provider slot. Null when it may go now; otherwise how long to wait
 * before retrying (the line is longer than MAX_PACE_WAIT_MS). The dev outbox is not paced.
 */
export async function awaitSendSlot(env: Env): Promise<number | null> {
  if (!env.RESEND_API_KEY) return null;
  const pacer = env.CONTACTS.get(env.CONTACTS.idFromName(PACER));
  const slot = await pacer.reserveSlot(rateLimit(env), MAX_PACE_WAIT_MS);
  if (!slot.ok) return slot.retryAfterMs;
  if (slot.waitMs > 0) await new Promise((r) => setTimeout(r, slot.waitMs));
  return null;
}

function rateLimit(env: Env): number {
  const n = Number(env.RESEND_RATE_LIMIT);
  return Number.isFinite(n) && n > 0 ? Math.min(n, 1000) : DEFAULT_RATE_PER_SEC;
}

/** The dev outbox lives in one Contact object; only used when RESEND_API_KEY is absent. */
export function devOutbox(env: Env): OutboxStore {
  const stub = () => env.CONTACTS.get(env.CONTACTS.idFromName(DEV_OUTBOX));
  return {
    insert: (r) => stub().outboxInsert(r),
    list: (n) => stub().outboxList(n),
    get: (id) => stub().outboxGet(id),
  };
}
