// What a Stats shard stores and returns: counter rows and recent failures, plus the pure
// event → counter mapping. Shared by the Durable Object (stats.ts) and the report (report.ts).
import type { Group, Metric, StatEvent } from "./types.ts";

/** One counter: how many events (and the sum of their values) share this key on this UTC day. */
export interface CounterRow {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  trigger: string;
  step: number | null;
  variant: number | null;
  group: Group;
  metric: Metric;
  /** "" when the event had no reason. */
  reason: string;
  /** Upper-case ISO code, "" when the event had no currency. */
  currency: string;
  count: number;
  sum: number;
}

/** A send that failed for good, for the dashboard's "recent failures" list. */
export interface FailureRow {
  at: number;
  trigger: string;
  step: number | null;
  variant: number | null;
  reason: string;
  /** Contact hash ("" when unknown), never an email address. */
  contact: string;
}

export interface ShardResult {
  rows: CounterRow[];
  failures: FailureRow[];
}

/** How many recent failures each shard keeps (and a report shows at most). */
export const MAX_FAILURES = 50;

const DAY_MS = 86_400_000;

/** The UTC day (YYYY-MM-DD) of a time in ms since epoch. */
export function dayOf(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** ms since epoch of 00:00 UTC on `day`. */
export function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

/** `day` shifted by `n` days (UTC). */
export function addDays(day: string, n: number): string {
  return dayOf(dayStart(day) + n * DAY_MS);
}

/** Every day from `from` to `to`, inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = dayStart(from), end = dayStart(to); d <= end; d += DAY_MS) out.push(dayOf(d));
  return out;
}

/**
 * The events a shard counts, in order: each without a `unique` value, and each whose
 * (trigger, metric, unique) `claim` sees for the first time (`claim` remembers it and says
 * whether it was new; the shard backs it with its dedupe table). Events with a time that is not
 * a number are dropped.
 */
export function countOnce(
  events: readonly StatEvent[],
  claim: (trigger: string, metric: StatEvent["metric"], unique: string, at: number) => boolean,
): { counted: StatEvent[]; duplicates: number } {
  const counted: StatEvent[] = [];
  let duplicates = 0;
  for (const e of events) {
    if (!Number.isFinite(e.at)) continue;
    if (e.unique !== undefined && !claim(e.trigger, e.metric, e.unique, e.at)) {
      duplicates++;
      continue;
    }
    counted.push(e);
  }
  return { counted, duplicates };
}

/** The counter key an event adds to (count 1, sum = its value). */
export function toCounter(e: StatEvent): CounterRow {
  return {
    day: dayOf(e.at),
    trigger: e.trigger,
    step: e.step,
    variant: e.variant,
    group: e.group,
    metric: e.metric,
    reason: e.reason ?? "",
    currency: (e.currency ?? "").toUpperCase(),
    count: 1,
    sum: typeof e.value === "number" && Number.isFinite(e.value) ? e.value : 0,
  };
}

/** A string identifying the counter a row belongs to (everything but count and sum). */
export function counterKey(r: CounterRow): string {
  return JSON.stringify([
    r.day,
    r.trigger,
    r.step,
    r.variant,
    r.group,
    r.metric,
    r.reason,
    r.currency,
  ]);
}

/** Adds rows with the same key together (used before writing a batch and when merging shards). */
export function sumCounters(rows: Iterable<CounterRow>): CounterRow[] {
  const byKey = new Map<string, CounterRow>();
  for (const r of rows) {
    const k = counterKey(r);
    const hit = byKey.get(k);
    if (hit) {
      hit.count += r.count;
      hit.sum += r.sum;
    } else byKey.set(k, { ...r });
  }
  return [...byKey.values()];
}

/**
 * A shard stores a day's counters in one row: a row written is billed, and one record() call
 * (one Visitor transaction, one send) touches several counters, often of two triggers (a step
 * due and skipped; an episode entered and another cancelled). The row's `cells`: each counter's
 * (trigger, step, variant, group, metric, reason, currency), JSON, → [count, sum]. (Rows an
 * earlier version stored per (day, trigger) have the same cells without the trigger.)
 */
export type Cells = Record<string, [count: number, sum: number]>;

/** `rows` grouped by the day whose row stores them. */
export function byDay(rows: readonly CounterRow[]): Map<string, CounterRow[]> {
  const out = new Map<string, CounterRow[]>();
  for (const r of rows) {
    const day = out.get(r.day);
    if (day) day.push(r);
    else out.set(r.day, [r]);
  }
  return out;
}

const cellOf = (r: CounterRow) =>
  JSON.stringify([r.trigger, r.step, r.variant, r.group, r.metric, r.reason, r.currency]);

/** `cells` with `rows` (all of one day) added; `cells` is not changed. */
export function addCells(cells: Cells, rows: readonly CounterRow[]): Cells {
  const out: Cells = { ...cells };
  for (const r of rows) {
    const [count, sum] = out[cellOf(r)] ?? [0, 0];
    out[cellOf(r)] = [count + r.count, sum + r.sum];
  }
  return out;
}

type CellKey = [string, number | null, number | null, Group, Metric, string, string];

/** The counter rows a day's row holds; `trigger`: a row an earlier version stored per (day,
 * trigger), whose cells leave the trigger out. */
export function cellRows(day: string, cells: Cells, trigger?: string): CounterRow[] {
  return Object.entries(cells).map(([k, [count, sum]]) => {
    const key = JSON.parse(k) as unknown[];
    const [t, step, variant, group, metric, reason, currency] = (
      trigger === undefined ? key : [trigger, ...key]
    ) as CellKey;
    return { day, trigger: t, step, variant, group, metric, reason, currency, count, sum };
  });
}
