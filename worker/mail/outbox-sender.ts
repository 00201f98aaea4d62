// The dev outbox: a Sender that keeps rendered emails (no RESEND_API_KEY), behind a tiny storage
// interface that the DevOutbox object (dev-outbox.ts) implements. Views live in outbox-view.ts.
import { sha256Hex } from "../lib/crypto.ts";
import type { OutgoingEmail, Sender, SendResult } from "./sender.ts";

export interface OutboxRecord {
  /** Stable id derived from the idempotency key ("dev_" + 20 hex chars). */
  id: string;
  /** ms since epoch when first stored. */
  at: number;
  email: OutgoingEmail;
}

/** Storage the outbox needs. `insert` must be idempotent on `record.email.idempotencyKey`. */
export interface OutboxStore {
  /** Stores the record unless one with the same idempotency key exists; returns the stored one. */
  insert(record: OutboxRecord): Promise<OutboxRecord>;
  /** Newest first. */
  list(limit: number): Promise<OutboxRecord[]>;
  get(id: string): Promise<OutboxRecord | null>;
  /** Erasure: drops every email to this address. */
  forget(to: string): Promise<void>;
}

export async function outboxId(idempotencyKey: string): Promise<string> {
  return `dev_${(await sha256Hex(idempotencyKey)).slice(0, 20)}`;
}

export class OutboxSender implements Sender {
  constructor(
    private readonly store: OutboxStore,
    private readonly now: () => number = Date.now,
  ) {}

  async send(msg: OutgoingEmail): Promise<SendResult> {
    try {
      const rec = await this.store.insert({
        id: await outboxId(msg.idempotencyKey),
        at: this.now(),
        email: msg,
      });
      return { ok: true, id: rec.id };
    } catch (err) {
      return {
        ok: false,
        retryable: true,
        reason: `outbox_store_failed:${err instanceof Error ? err.name : "error"}`,
      };
    }
  }
}
