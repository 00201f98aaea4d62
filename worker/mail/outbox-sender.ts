// The dev outbox: a Sender that keeps rendered emails (no RESEND_API_KEY), behind a tiny storage
// interface the shell backs with Durable Object SQLite or KV. Views live in outbox-view.ts.
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

/** In-memory store (tests, and a fallback for `wrangler dev` without persistence). */
export class MemoryOutboxStore implements OutboxStore {
  private readonly byKey = new Map<string, OutboxRecord>();
  constructor(private readonly max = 500) {}

  async insert(record: OutboxRecord): Promise<OutboxRecord> {
    const existing = this.byKey.get(record.email.idempotencyKey);
    if (existing) return existing;
    this.byKey.set(record.email.idempotencyKey, record);
    if (this.byKey.size > this.max) {
      const oldest = this.byKey.keys().next();
      if (!oldest.done) this.byKey.delete(oldest.value);
    }
    return record;
  }

  async list(limit: number): Promise<OutboxRecord[]> {
    return [...this.byKey.values()].sort((a, b) => b.at - a.at).slice(0, limit);
  }

  async get(id: string): Promise<OutboxRecord | null> {
    for (const r of this.byKey.values()) if (r.id === id) return r;
    return null;
  }
}

/** Minimal slice of DurableObjectStorage's `sql` used by SqlOutboxStore. */
export interface SqlLike {
  exec(
    query: string,
    ...bindings: (string | number | null)[]
  ): { toArray(): Record<string, unknown>[] };
}

/** Durable Object SQLite store: `new SqlOutboxStore(ctx.storage.sql)`. Creates its table. */
export class SqlOutboxStore implements OutboxStore {
  constructor(private readonly sql: SqlLike) {
    sql.exec(
      `CREATE TABLE IF NOT EXISTS dev_outbox (id TEXT PRIMARY KEY, key TEXT UNIQUE NOT NULL,
       at INTEGER NOT NULL, email TEXT NOT NULL)`,
    );
  }

  async insert(record: OutboxRecord): Promise<OutboxRecord> {
    this.sql.exec(
      "INSERT OR IGNORE INTO dev_outbox (id, key, at, email) VALUES (?, ?, ?, ?)",
      record.id,
      record.email.idempotencyKey,
      record.at,
      JSON.stringify(record.email),
    );
    const row = this.sql
      .exec("SELECT * FROM dev_outbox WHERE key = ?", record.email.idempotencyKey)
      .toArray()[0];
    return row ? fromRow(row) : record;
  }

  async list(limit: number): Promise<OutboxRecord[]> {
    return this.sql
      .exec("SELECT * FROM dev_outbox ORDER BY at DESC LIMIT ?", limit)
      .toArray()
      .map(fromRow);
  }

  async get(id: string): Promise<OutboxRecord | null> {
    const row = this.sql.exec("SELECT * FROM dev_outbox WHERE id = ?", id).toArray()[0];
    return row ? fromRow(row) : null;
  }
}

function fromRow(row: Record<string, unknown>): OutboxRecord {
  return {
    id: String(row.id),
    at: Number(row.at),
    email: JSON.parse(String(row.email)) as OutgoingEmail,
  };
}
