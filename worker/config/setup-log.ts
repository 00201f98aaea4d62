// Says once per isolate, on its first request, what the deployment has not configured yet: one
// `config.unconfigured` line naming the secrets and vars (never a value). Only the worker's own
// env is read here (no KV on the request path): the platform webhook secrets, which depend on the
// site configs, are reported by /admin and GET /admin/api/setup. Installed by worker/index.ts.
import { createMiddleware } from "hono/factory";
import { log } from "../lib/log.ts";
import { setupReport, type SetupItem } from "./setup.ts";

let logged = false;

/** The log line of a report: warn when anything is an error or a warning, info otherwise. */
export function logSetup(items: readonly SetupItem[]): void {
  if (items.length === 0) return;
  const level = items.some((i) => i.severity !== "info") ? "warn" : "info";
  log(level, "config.unconfigured", {
    reason: items.map((i) => i.name).join(","),
    detail: items.map((i) => `${i.name}:${i.problem}`).join(","),
  });
}

export const setupLogOnce = createMiddleware<{ Bindings: Env }>(async (c, next) => {
  if (!logged) {
    logged = true;
    logSetup(setupReport(c.env));
  }
  await next();
});

/** Tests: log again on the next request. */
export function resetSetupLog(): void {
  logged = false;
}
