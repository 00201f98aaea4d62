// Stage timings for the latency bench (bench/latency.ts): one log line per step of a due email,
// written only when NUDGE_ENV is "test" or "development". In production the cost is the check.
import { log, type LogFields } from "./log.ts";

const DEV_ENVS = new Set(["test", "development"]);

/** Whether stage timings are logged in this environment. */
export function stageTimings(env: { NUDGE_ENV?: string }): boolean {
  return DEV_ENVS.has(env.NUDGE_ENV ?? "");
}

/** Logs `msg` with `fields` (epoch ms times, the send key) when stage timings are on. */
export function stageLog(env: { NUDGE_ENV?: string }, msg: string, fields: LogFields): void {
  if (stageTimings(env)) log("debug", msg, fields);
}
