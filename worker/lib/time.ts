// Instants as people read them: ISO 8601 in UTC, everywhere a time is shown or handed out
// (log lines, JSON APIs, the dashboard, `nudge stats`). The timeline page and `nudge timeline`
// render the same instants in a chosen zone on top. Pure.

/** `2026-05-04T09:30:12.345Z`. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** `2026-05-04T09:30Z`: ISO 8601 to the minute (UTC), for tables. */
export function isoMinute(at: number | string): string {
  return `${new Date(at).toISOString().slice(0, 16)}Z`;
}
