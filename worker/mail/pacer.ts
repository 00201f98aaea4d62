// The Pacer Durable Object: one per account (name "account"), keeping the token bucket that
// spaces every provider call to RESEND_RATE_LIMIT (pacing.ts decides). Called by the Contact
// object before each send through `awaitSendSlot`. The bucket and the slots booked ahead are in
// memory: a restart refills the bucket and forgets the tickets (their sends book again).
import { DurableObject } from "cloudflare:workers";
import { book, bookSend, newLine, type Slot } from "./pacing.ts";

/** Longest a send waits in line for a slot; beyond that it is retried later (never dropped). */
const MAX_PACE_WAIT_MS = 5_000;
/** Resend's default account limit is 2 requests per second; RESEND_RATE_LIMIT raises it. */
const DEFAULT_RATE_PER_SEC = 2;

export class Pacer extends DurableObject<Env> {
  private line = newLine();

  /**
   * Books the provider slot of send `key`: wait `waitMs` then send; or, when the line is long,
   * come back after `retryAfterMs` for the slot booked for it (see `bookSend`). Without a key
   * (older callers), the line is not booked ahead and the caller simply retries later.
   */
  async reserveSlot(ratePerSec: number, maxWaitMs: number, key?: string): Promise<Slot> {
    const now = Date.now();
    if (key !== undefined) return bookSend(this.line, key, ratePerSec, maxWaitMs, now);
    const r = book(this.line.bucket, ratePerSec, maxWaitMs, now);
    this.line.bucket = r.bucket;
    return r.slot;
  }
}

/**
 * Waits for this send's provider slot. Null when it may go now; otherwise how long to wait
 * before retrying (the line is longer than MAX_PACE_WAIT_MS). The dev outbox is not paced.
 */
export async function awaitSendSlot(env: Env, key: string): Promise<number | null> {
  if (!env.RESEND_API_KEY) return null;
  const pacer = env.PACER.get(env.PACER.idFromName("account"));
  const slot = await pacer.reserveSlot(rateLimit(env), MAX_PACE_WAIT_MS, key);
  if (!slot.ok) return slot.retryAfterMs;
  if (slot.waitMs > 0) await new Promise((r) => setTimeout(r, slot.waitMs));
  return null;
}

function rateLimit(env: Env): number {
  const n = Number(env.RESEND_RATE_LIMIT);
  return Number.isFinite(n) && n > 0 ? Math.min(n, 1000) : DEFAULT_RATE_PER_SEC;
}
