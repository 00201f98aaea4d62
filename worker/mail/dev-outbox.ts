// The DevOutbox Durable Object: one (name "outbox") keeping every email the dev outbox sender
// "sent" when RESEND_API_KEY is absent, idempotent by idempotency key, newest first. Read by the
// /_dev/outbox routes; written through `devOutbox(env)` by OutboxSender (outbox-sender.ts).
import { DurableObject } from "cloudflare:workers";
import type { OutboxRecord, OutboxStore } from "./outbox-sender.ts";
import type { OutgoingEmail } from "./sender.ts";

export class DevOutbox extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS dev_outbox (id TEXT PRIMARY KEY, key TEXT UNIQUE NOT NULL,
       at INTEGER NOT NULL, email TEXT NOT NULL)`,
    );
  }

  /** Stores the record unless its idempotency key is already there; returns the stored one. */
  async insert(record: OutboxRecord): Promise<OutboxRecord> {
    const sql = this.ctx.storage.sql;
    sql.exec(
      "INSERT OR IGNORE INTO dev_outbox (id, key, at, email) VALUES (?, ?, ?, ?)",
      record.id,
      record.email.idempotencyKey,
      record.at,
      JSON.stringify(record.email),
    );
    const row = sql
      .exec<Row>("SELECT * FROM dev_outbox WHERE key = ?", record.email.idempotencyKey)
      .toArray()[0];
    return row ? fromRow(row) : record;
  }

  /** Erasure: every email to `to`. */
  async forget(to: string): Promise<void> {
    this.ctx.storage.sql.exec(
      `DELETE FROM dev_outbox WHERE lower(json_extract(email, '$.to')) = ?`,
      to.trim().toLowerCase(),
    );
  }

  async list(limit: number): Promise<OutboxRecord[]> {
    return this.ctx.storage.sql
      .exec<Row>("SELECT * FROM dev_outbox ORDER BY at DESC LIMIT ?", limit)
      .toArray()
      .map(fromRow);
  }

  async get(id: string): Promise<OutboxRecord | null> {
    const row = this.ctx.storage.sql
      .exec<Row>("SELECT * FROM dev_outbox WHERE id = ?", id)
      .toArray()[0];
    return row ? fromRow(row) : null;
  }
}

type Row = { id: string; at: number; email: string };

function fromRow(row: Row): OutboxRecord {
  return {
    id: String(row.id),
    at: Number(row.at),
    email: JSON.parse(String(row.email)) as OutgoingEmail,
  };
}

/** The dev outbox store (only used when RESEND_API_KEY is absent). */
export function devOutbox(env: Env): OutboxStore {
  const stub = () => env.DEV_OUTBOX.get(env.DEV_OUTBOX.idFromName("outbox"));
  return {
    insert: (r) => stub().insert(r),
    list: (n) => stub().list(n),
    get: (id) => stub().get(id),
    forget: (to) => stub().forget(to),
  };
}
