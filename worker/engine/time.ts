// Time-zone math for the engine: local wall clock of an instant, local time → instant, quiet
// hours and yearly dates. Pure (Intl is deterministic for a given instant); no clock reads.
import { DAY } from "../config/duration.ts";
import type { QuietHours } from "../config/schema.ts";

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  /** Minutes since local midnight. */
  minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatter(tz: string): Intl.DateTimeFormat | null {
  let f = formatters.get(tz);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat("en-US", {
        timeZone: tz,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      });
    } catch {
      f = null; // unknown zone: callers fall back to UTC
    }
    formatters.set(tz, f);
  }
  return f;
}

/** The local calendar date and clock of `instant` in `tz` (UTC when the zone is unknown). */
export function localParts(instant: number, tz: string): LocalParts {
  const f = formatter(tz);
  if (!f) {
    const d = new Date(instant);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      minutes: d.getUTCHours() * 60 + d.getUTCMinutes(),
    };
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(instant)) {
    if (part.type !== "literal") p[part.type] = Number(part.value);
  }
  return {
    year: p.year ?? 1970,
    month: p.month ?? 1,
    day: p.day ?? 1,
    minutes: ((p.hour ?? 0) % 24) * 60 + (p.minute ?? 0),
  };
}

/** Offset of `tz` from UTC at `instant`, in ms (positive east of Greenwich), whole minutes. */
function offsetAt(instant: number, tz: string): number {
  const at = Math.floor(instant / 60_000) * 60_000;
  const p = localParts(at, tz);
  return Date.UTC(p.year, p.month - 1, p.day, 0, p.minutes) - at;
}

/** The instant when the local clock in `tz` reads `minutes` on year-month-day. */
export function zonedInstant(
  year: number,
  month: number,
  day: number,
  minutes: number,
  tz: string,
): number {
  const wall = Date.UTC(year, month - 1, day, 0, minutes);
  const first = wall - offsetAt(wall, tz);
  return wall - offsetAt(first, tz);
}

/** When `instant` falls inside the quiet window (local time), the instant it ends; else null. */
export function quietHoursEnd(instant: number, q: QuietHours, tz: string): number | null {
  const p = localParts(instant, tz);
  const m = p.minutes;
  const inside = q.start < q.end ? m >= q.start && m < q.end : m >= q.start || m < q.end;
  if (!inside) return null;
  const nextDay = q.start > q.end && m >= q.start;
  const d = new Date(Date.UTC(p.year, p.month - 1, p.day + (nextDay ? 1 : 0)));
  const end = zonedInstant(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), q.end, tz);
  return end > instant ? end : instant + 60_000;
}

const DATE_RE = /^(?:\d{4}-)?(\d{2})-(\d{2})$/;

/** Month and day of a "MM-DD" or "YYYY-MM-DD" value; null when it is not a date. */
export function monthDay(value: unknown): { month: number; day: number } | null {
  if (typeof value !== "string") return null;
  const m = DATE_RE.exec(value);
  if (!m) return null;
  const month = Number(m[1]);
  const day = Number(m[2]);
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  return { month, day };
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Memo of yearlyInstant (a pure function; Intl calls dominate the engine's cost otherwise). */
const yearlyMemo = new Map<string, number>();

/** This date's occurrence in `year` at local `minutes` (29 Feb → 28 Feb in common years). */
export function yearlyInstant(
  md: { month: number; day: number },
  year: number,
  minutes: number,
  tz: string,
): number {
  const key = `${md.month}-${md.day}|${year}|${minutes}|${tz}`;
  const hit = yearlyMemo.get(key);
  if (hit !== undefined) return hit;
  const day = md.month === 2 && md.day === 29 && !isLeap(year) ? 28 : md.day;
  const at = zonedInstant(year, md.month, day, minutes, tz);
  if (yearlyMemo.size >= 10_000) yearlyMemo.clear();
  yearlyMemo.set(key, at);
  return at;
}

/** A yearly date that became known late still fires if we are within this of its time. */
export const DATE_GRACE = DAY;

/**
 * The next occurrence to act on: the earliest year after `lastYear` whose occurrence has not
 * been missed by more than DATE_GRACE at `now`. Returns the local year and the instant.
 */
export function nextYearly(
  md: { month: number; day: number },
  minutes: number,
  tz: string,
  now: number,
  lastYear: number | null,
): { year: number; at: number } {
  // Local and UTC years differ by at most one, so a year before the UTC year is early enough.
  const y0 = new Date(now).getUTCFullYear() - 1;
  for (let year = y0; ; year++) {
    if (lastYear !== null && year <= lastYear) continue;
    const at = yearlyInstant(md, year, minutes, tz);
    if (at + DATE_GRACE > now) return { year, at };
  }
}
