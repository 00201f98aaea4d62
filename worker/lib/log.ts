// Structured logs: one JSON object per line via console.log, `{ at, level, msg, ...fields }` (the
// shape README.md's "Monitor" section documents; the `msg` of each decision comes from logLineOf
// in engine/facts.ts). Callers pass hashes, never email addresses. Used by routes and objects.

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export function log(level: LogLevel, msg: string, fields: LogFields = {}): void {
  const line: Record<string, unknown> = { at: new Date().toISOString(), level, msg };
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) line[k] = v;
  console.log(JSON.stringify(line));
}
