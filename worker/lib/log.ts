// Structured logs: one JSON object per line via console.log, the shape pinned in DESIGN.md.
// Callers pass hashes, never email addresses. Used by routes and Durable Objects.

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export function log(level: LogLevel, msg: string, fields: LogFields = {}): void {
  const line: Record<string, unknown> = { at: new Date().toISOString(), level, msg };
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) line[k] = v;
  console.log(JSON.stringify(line));
}
