// Durations and clock strings in the site config ("30m", "1d", "21:00"), parsed to numbers.
// Pure helpers shared by the config schema (worker/config/schema.ts) and the engine.

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const WEEK = 7 * DAY;

const UNIT_MS = { s: SECOND, m: MINUTE, h: HOUR, d: DAY, w: WEEK } as const;

/** `Ns|Nm|Nh|Nd|Nw`, N a whole number (at most 5 digits). */
export const DURATION_RE = /^(\d{1,5})(s|m|h|d|w)$/;

/** Parses "30m" → 1_800_000. Returns null for anything that is not a duration. */
export function parseDuration(s: string): number | null {
  const m = DURATION_RE.exec(s);
  if (!m) return null;
  const unit = m[2] as keyof typeof UNIT_MS;
  return Number(m[1]) * UNIT_MS[unit];
}

/** Local wall-clock time "HH:MM" (24 h). */
export const CLOCK_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Parses "21:30" → minutes since midnight (1290). Returns null when malformed. */
export function parseClock(s: string): number | null {
  const m = CLOCK_RE.exec(s);
  if (!m) return null;
  return Number(m[1]) * 60 + Number(m[2]);
}
