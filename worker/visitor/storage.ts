// SQLite layout of a Visitor object: one row of state (JSON: the engine's state, the activity
// and the public origin) and the effect outbox. An ingested batch writes that one row (plus one
// outbox row per effect); used only by the Visitor class.

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
  /** Rows written and read since the object started (the bench reads these per request). */
  rowsWritten: number;
  rowsRead: number;
  readState(): string | null;
  writeState(json: string): void;
  /** One row of its own (`probe`): the bench's cost of a single durable write, nothing else. */
  writeProbe(at: number): void;
  /** The public origin an older version kept in a row of its own (now inside the state row);
   * read once, when a state row does not carry one yet. */
  readLegacyBase(): string | null;
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

/** Thin typed wrapper over `ctx.storage.sql` that counts rows written and read. */
export function sqlStore(sql: SqlStorage): Store {
  for (const s of SCHEMA) sql.exec(s);
  /** Runs a statement to the end and counts what it wrote and read (billed per row). */
  const run = <T extends Record<string, SqlStorageValue>>(
    query: string,
    ...args: (string | number)[]
  ): T[] => {
    const c = sql.exec<T>(query, ...args);
    const out = c.toArray();
    store.rowsWritten += c.rowsWritten;
    store.rowsRead += c.rowsRead;
    return out;
  };
  const write = (query: string, ...args: (string | number)[]) => void run(query, ...args);
  const rows = (query: string, ...args: (string | number)[]) => run(query, ...args).map(toRow);
  const getKey = (k: string): string | null =>
    run<{ v: string }>(`SELECT v FROM state WHERE k = ?`, k)[0]?.v ?? null;
  const putKey = (k: string, v: string) =>
    write(
      `INSERT INTO state (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v`,
      k,
      v,
    );
  const store: Store = {
    rowsWritten: 0,
    rowsRead: 0,
    readLegacyBase: () => getKey("base"),
    readState: () => getKey("visitor"),
    writeState: (json) => putKey("visitor", json),
    writeProbe: (at) => putKey("probe", String(at)),
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
      return run<{ t: number | null }>(`SELECT MIN(next_at) AS t FROM outbox`)[0]?.t ?? null;
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
