// The Stats Durable Object: one shard of a site's measurement counters (8 per site, named
// `stats:<site>:<shard>`, see record.ts). SQLite: a day's counters in one row (`days`, its cells
// keyed by trigger, step, variant, group, metric, reason and currency: rows.ts `Cells`; a full
// row is followed by another part), a
// dedupe table for `unique` events and the last MAX_FAILURES failures. Counters earlier versions
// wrote, one row per (day, trigger) (`counts`) or one row each (`counters`), are still read.
// Reports are built elsewhere (report.ts) from what query() returns.
import { DurableObject } from "cloudflare:workers";
import type { CounterRow, FailureRow, ShardResult } from "./rows.ts";
import {
  addCells,
  byDay,
  cellRows,
  countOnce,
  dayStart,
  MAX_FAILURES,
  sumCounters,
  toCounter,
  type Cells,
} from "./rows.ts";
import type { Group, Metric, StatEvent } from "./types.ts";

/** How long a `unique` value is remembered (a little longer than the longest report range). */
const UNIQUE_TTL_MS = 400 * 86_400_000;
const PRUNE_EVERY_MS = 86_400_000;
/**
 * A day's row is parsed and rewritten by every call that counts on that day: past this many
 * characters of cells (a site with many triggers, variants and reasons), the day goes on in a
 * new part, so a call's work stays bounded. A counter may then sit in several parts: query()
 * sums them.
 */
export const PART_CHARS = 32_000;

const SCHEMA = [
  // One row per day (and part): what one record() call changes is one row written.
  `CREATE TABLE IF NOT EXISTS days (
     day TEXT NOT NULL, part INTEGER NOT NULL, cells TEXT NOT NULL, PRIMARY KEY (day, part)
   ) WITHOUT ROWID`,
  // Earlier versions' rows, one per (day, trigger), read with the above (never written now).
  `CREATE TABLE IF NOT EXISTS counts (
     day TEXT NOT NULL, trigger TEXT NOT NULL, cells TEXT NOT NULL,
     PRIMARY KEY (day, trigger)
   ) WITHOUT ROWID`,
  // Earlier versions' counters, one row each, read with the above (never written now).
  // step/variant: -1 stands for null (primary key columns of a WITHOUT ROWID table are NOT NULL).
  `CREATE TABLE IF NOT EXISTS counters (
     day TEXT NOT NULL, trigger TEXT NOT NULL, step INTEGER NOT NULL, variant INTEGER NOT NULL,
     grp TEXT NOT NULL, metric TEXT NOT NULL, reason TEXT NOT NULL, currency TEXT NOT NULL,
     count INTEGER NOT NULL, sum REAL NOT NULL,
     PRIMARY KEY (day, trigger, step, variant, grp, metric, reason, currency)
   ) WITHOUT ROWID`,
  // A unique value counts once per (trigger, metric): unique opens, clicks, conversions, ….
  `CREATE TABLE IF NOT EXISTS uniques (
     trigger TEXT NOT NULL, metric TEXT NOT NULL, value TEXT NOT NULL, at INTEGER NOT NULL,
     PRIMARY KEY (trigger, metric, value)
   ) WITHOUT ROWID`,
  // No index on `at`: an index row is one more row written (billed) per unique value, and only
  // the daily prune reads by `at` (a scan, billed as rows read at a thousandth of the price).
  `DROP INDEX IF EXISTS uniques_at`,
  `CREATE TABLE IF NOT EXISTS failures (
     id INTEGER PRIMARY KEY, at INTEGER NOT NULL, trigger TEXT NOT NULL, step INTEGER,
     variant INTEGER, reason TEXT NOT NULL, contact TEXT NOT NULL
   )`,
];

export interface ShardQuery {
  site: string;
  /** YYYY-MM-DD, inclusive. */
  from: string;
  /** YYYY-MM-DD, inclusive. */
  to: string;
}

type CounterSql = Omit<CounterRow, "group" | "metric" | "step" | "variant"> & {
  grp: string;
  metric: string;
  step: number;
  variant: number;
};

const toNull = (n: number | null) => (n === null || n < 0 ? null : n);

export class Stats extends DurableObject<Env> {
  private prunedAt = 0;
  /** record() calls and the rows they wrote since this object started (for the bench). */
  private written = { calls: 0, rowsWritten: 0 };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    for (const s of SCHEMA) ctx.storage.sql.exec(s);
  }

  /** Adds a batch of events in one transaction: a few row writes per distinct counter. */
  record(events: StatEvent[]): { counted: number; duplicates: number; rowsWritten: number } {
    const now = Date.now();
    let rowsWritten = 0;
    const sql = {
      /** Runs a statement and counts the rows it wrote (the bench prices them). */
      exec: (query: string, ...args: (string | number | null)[]) => {
        const c = this.ctx.storage.sql.exec(query, ...args);
        c.toArray();
        rowsWritten += c.rowsWritten;
        return c;
      },
    };
    const result = this.ctx.storage.transactionSync(() => {
      const { counted: fresh, duplicates } = countOnce(
        events,
        (trigger, metric, value, at) =>
          sql.exec(
            `INSERT INTO uniques (trigger, metric, value, at) VALUES (?, ?, ?, ?)
             ON CONFLICT (trigger, metric, value) DO NOTHING`,
            trigger,
            metric,
            value,
            at,
          ).rowsWritten > 0,
      );
      const counted: CounterRow[] = fresh.map(toCounter);
      for (const e of fresh) {
        if (e.metric === "failed") {
          sql.exec(
            `INSERT INTO failures (at, trigger, step, variant, reason, contact) VALUES (?, ?, ?, ?, ?, ?)`,
            e.at,
            e.trigger,
            e.step,
            e.variant,
            e.reason ?? "",
            e.contact ?? "",
          );
        }
      }
      // addCells sums the rows of one counter: no sumCounters first.
      for (const [day, rows] of byDay(counted)) {
        const last = this.ctx.storage.sql
          .exec<{ part: number; cells: string }>(
            `SELECT part, cells FROM days WHERE day = ? ORDER BY part DESC LIMIT 1`,
            day,
          )
          .toArray()[0];
        let part = last?.part ?? 0;
        let cells = JSON.stringify(addCells(last ? (JSON.parse(last.cells) as Cells) : {}, rows));
        if (last && cells.length > PART_CHARS) {
          part++;
          cells = JSON.stringify(addCells({}, rows));
        }
        sql.exec(
          `INSERT INTO days (day, part, cells) VALUES (?, ?, ?)
           ON CONFLICT (day, part) DO UPDATE SET cells = excluded.cells`,
          day,
          part,
          cells,
        );
      }
      if (counted.some((r) => r.metric === "failed")) {
        sql.exec(
          `DELETE FROM failures WHERE id <= (SELECT id FROM failures ORDER BY id DESC LIMIT 1 OFFSET ?)`,
          MAX_FAILURES,
        );
      }
      if (now - this.prunedAt > PRUNE_EVERY_MS) {
        sql.exec(`DELETE FROM uniques WHERE at < ?`, now - UNIQUE_TTL_MS);
        this.prunedAt = now;
      }
      return { counted: counted.length, duplicates, rowsWritten };
    });
    this.written.calls++;
    this.written.rowsWritten += result.rowsWritten;
    return result;
  }

  /** What record() wrote since this object started (development stats-usage route). */
  usage(): { calls: number; rowsWritten: number } {
    return { ...this.written };
  }

  /** Erasure: the contact's entries in the recent-failures list (counters name nobody). */
  forget(contact: string): void {
    this.ctx.storage.sql.exec(`DELETE FROM failures WHERE contact = ?`, contact);
  }

  /** Raw counters for days in [from, to] and the recent failures inside that range. */
  query(q: ShardQuery): ShardResult {
    const sql = this.ctx.storage.sql;
    // Day rows (no trigger column: their cells name it) and earlier (day, trigger) rows.
    const packed = sql
      .exec<{ day: string; trigger: string | null; cells: string }>(
        `SELECT day, NULL AS trigger, cells FROM days WHERE day >= ?1 AND day <= ?2
         UNION ALL SELECT day, trigger, cells FROM counts WHERE day >= ?1 AND day <= ?2`,
        q.from,
        q.to,
      )
      .toArray()
      .flatMap((r) => cellRows(r.day, JSON.parse(r.cells) as Cells, r.trigger ?? undefined));
    const earlier = sql
      .exec<CounterSql>(
        `SELECT day, trigger, step, variant, grp, metric, reason, currency, count, sum
         FROM counters WHERE day >= ? AND day <= ?`,
        q.from,
        q.to,
      )
      .toArray()
      .map((r): CounterRow => ({
        day: r.day,
        trigger: r.trigger,
        step: toNull(r.step),
        variant: toNull(r.variant),
        group: r.grp as Group,
        metric: r.metric as Metric,
        reason: r.reason,
        currency: r.currency,
        count: r.count,
        sum: r.sum,
      }));
    const rows = sumCounters([...packed, ...earlier]);
    const failures = sql
      .exec<FailureRow & Record<string, SqlStorageValue>>(
        `SELECT at, trigger, step, variant, reason, contact FROM failures
         WHERE at >= ? AND at < ? ORDER BY at DESC, id DESC LIMIT ?`,
        dayStart(q.from),
        dayStart(q.to) + 86_400_000,
        MAX_FAILURES,
      )
      .toArray()
      .map((f): FailureRow => ({ ...f }));
    return { rows, failures };
  }
}
