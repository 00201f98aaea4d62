// The Pacer Durable Object: one per account (name "account"), keeping the line that
// paces every provider call to RESEND_RATE_LIMIT (pacing.ts decides). Called by the Contact
// object before each send through `bookSendSlot`. The slots booked are in
// memory: a restart empties the line and forgets the tickets (their sends book again).
import { DurableObject } from "cloudflare:workers";
import { book, bookSend, newLine, tooLateForSlot, type Slot } from "./pacing.ts";

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
    return book(this.line, ratePerSec, maxWaitMs, now);
  }
}

/** A send's provider slot: send at `at` (epoch ms), or come back after `retryAfterMs`. */
export type SendSlot = { ok: true; at: number } | { ok: false; retryAfterMs: number };

/**
 * Books this send's provider slot without waiting for it: the caller prepares the email while it
 * waits in line, then `waitForSlot`. Told to come back when the line is longer than
 * MAX_PACE_WAIT_MS. The dev outbox is not paced (its slot is now).
 */
export async function bookSendSlot(env: Env, key: string): Promise<SendSlot> {
  if (!env.RESEND_API_KEY) return { ok: true, at: 0 };
  const pacer = env.PACER.get(env.PACER.idFromName("account"));
  const slot = await pacer.reserveSlot(rateLimit(env), MAX_PACE_WAIT_MS, key);
  if (!slot.ok) return slot;
  return { ok: true, at: Date.now() + slot.waitMs };
}

/**
 * Waits until a booked slot's time. A send prepared too late for its slot (the render took
 * longer than the wait in line) books a new one, its old slot going unused: sent late, it would
 * share a second with the slots booked after it, and the provider would count one call too many.
 * (Before, only a send in a busy line booked again; a quiet line's first send, late, followed at
 * once by a flood could make a second hold one call too many.) The new slot may be a "come back
 * later". A send coming back for its ticket later than its slot books anew too (`bookSend`).
 */
export async function waitForSlot(env: Env, key: string, slot: { at: number }): Promise<SendSlot> {
  let s: SendSlot = { ok: true, at: slot.at };
  if (tooLateForSlot(slot.at, Date.now())) s = await bookSendSlot(env, key);
  if (!s.ok) return s;
  const ms = s.at - Date.now();
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  return s;
}

function rateLimit(env: Env): number {
  const n = Number(env.RESEND_RATE_LIMIT);
  return Number.isFinite(n) && n > 0 ? Math.min(n, 1000) : DEFAULT_RATE_PER_SEC;
}
