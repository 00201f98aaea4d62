// The Pacer Durable Object: one per account (name "account"), keeping the token bucket that
// spaces every provider call to RESEND_RATE_LIMIT (pacing.ts decides). Called by the Contact
// object before each send through `awaitSendSlot`. The bucket is in memory: a restart refills it.
import { DurableObject } from "cloudflare:workers";
import { book, type Bucket, type Slot } from "./pacing.ts";

/** Longest a send waits in line for a slot; beyond that it is retried later (never dropped). */
const MAX_PACE_WAIT_MS = 5_000;
/** Resend's default account limit is 2 requests per second; RESEND_RATE_LIMIT raises it. */
const DEFAULT_RATE_PER_SEC = 2;

export class Pacer extends DurableObject<Env> {
  private bucket: Bucket | null = null;

  /** Books the next provider slot: wait `waitMs` then send, or retry later if the line is long. */
  async reserveSlot(ratePerSec: number, maxWaitMs: number): Promise<Slot> {
    const r = book(this.bucket, ratePerSec, maxWaitMs, Date.now());
    this.bucket = r.bucket;
    return r.slot;
  }
}

/**
 * Waits for this send's provider slot. Null when it may go now; otherwise how long to wait
 * before retrying (the line is longer than MAX_PACE_WAIT_MS). The dev outbox is not paced.
 */
export async function awaitSendSlot(env: Env): Promise<number | null> {
  if (!env.RESEND_API_KEY) return null;
  const pacer = env.PACER.get(env.PACER.idFromName("account"));
  const slot = await pacer.reserveSlot(rateLimit(env), MAX_PACE_WAIT_MS);
  if (!slot.ok) return slot.retryAfterMs;
  if (slot.waitMs > 0) await new Promise((r) => setTimeout(r, slot.waitMs));
  return null;
}

function rateLimit(env: Env): number {
  const n = Number(env.RESEND_RATE_LIMIT);
  return Number.isFinite(n) && n > 0 ? Math.min(n, 1000) : DEFAULT_RATE_PER_SEC;
}
