// SQLite layout of a Visitor object: one row of state (JSON) and the effect outbox. An ingested
// batch writes one state row (plus one outbox row per effect); used only by the Visitor class.

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS state (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS outbox (
     key TEXT PRIMARY KEY, effect TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
     next_at INTEGER NOT NULL, last_error TEXT) WITHOUT ROWID`,
];

export interface OutboxRow {
  key: string;
  effect: string;
  attempts: number;
  next_at: number;
  last_error: string | null;
}

export interface Store {
  /** Rows written since the object started (the bench reads this per request). */
  rowsWritten: number;
  readState(): string | null;
  writeState(json: string): void;
  /** The worker's public origin last seen at ingest (for links in email). */
  readBase(): string | null;
  writeBase(base: string): void;
  /** Adds an effect unless one with the same key is already queued (at least once, not twice). */
  enqueue(key: string, effect: string, nextAt: number): void;
  due(now: number, limit: number): OutboxRow[];
  earliest(): number | null;
  done(key: string): void;
  /** Later again; `attempted` false (a wait, not a try) leaves the attempt count as it is. */
  reschedule(key: string, nextAt: number, error: string, attempted: boolean): void;
  pending(): OutboxRow[];
  eraseAll(): void;
}

/** Thin typed wrapper over `ctx.storage.sql` that counts rows written. */
export function sqlStore(sql: SqlStorage): Store {
  for (const s of SCHEMA) sql.exec(s);
  const write = (query: string, ...args: (string | number)[]) => {
    const c = sql.exec(query, ...args);
    c.toArray();
    store.rowsWritten += c.rowsWritten;
  };
  const rows = (query: string, ...args: (string | number)[]) =>
    sql
      .exec<Record<string, SqlStorageValue>>(query, ...args)
      .toArray()
      .map(toRow);
  const getKey = (k: string): string | null =>
    sql.exec<{ v: string }>(`SELECT v FROM state WHERE k = ?`, k).toArray()[0]?.v ?? null;
  const putKey = (k: string, v: string) =>
    write(
      `INSERT INTO state (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v`,
      k,
      v,
    );
  const store: Store = {
    rowsWritten: 0,
    readBase: () => getKey("base"),
    writeBase: (base) => putKey("base", base),
    readState: () => getKey("visitor"),
    writeState: (json) => putKey("visitor", json),
    enqueue(key, effect, nextAt) {
      write(
        `INSERT OR IGNORE INTO outbox (key, effect, next_at) VALUES (?, ?, ?)`,
        key,
        effect,
        nextAt,
      );
    },
    due(now, limit) {
      return rows(`SELECT * FROM outbox WHERE next_at <= ? ORDER BY next_at LIMIT ?`, now, limit);
    },
    earliest() {
      const r = sql.exec<{ t: number | null }>(`SELECT MIN(next_at) AS t FROM outbox`).toArray()[0];
      return r?.t ?? null;
    },
    done(key) {
      write(`DELETE FROM outbox WHERE key = ?`, key);
    },
    reschedule(key, nextAt, error, attempted) {
      write(
        `UPDATE outbox SET attempts = attempts + ?, next_at = ?, last_error = ? WHERE key = ?`,
        attempted ? 1 : 0,
        nextAt,
        error.slice(0, 500),
        key,
      );
    },
    pending() {
      return rows(`SELECT * FROM outbox ORDER BY next_at`);
    },
    eraseAll() {
      write(`DELETE FROM state`);
      write(`DELETE FROM outbox`);
    },
  };
  return store;
}

function toRow(r: Record<string, SqlStorageValue>): OutboxRow {
  return {
    key: String(r.key),
    effect: String(r.effect),
    attempts: Number(r.attempts),
    next_at: Number(r.next_at),
    last_error: r.last_error === null || r.last_error === undefined ? null : String(r.last_error),
  };
}
