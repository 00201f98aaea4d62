// Development-only routes, which exist (else 404) only when NUDGE_ENV is "test" or "development":
// the dev outbox, also only without RESEND_API_KEY (GET /_dev/outbox, list and previews, and
// GET /_dev/outbox.json), and POST /_dev/stats, seeding measurement events with the admin token.
import { Hono } from "hono";
import { devOutbox } from "../mail/dev-outbox.ts";
import { requireAdmin } from "../admin/auth.ts";
import { httpError, zodIssues } from "../lib/errors.ts";
import { outboxJson, outboxPage } from "../mail/outbox-view.ts";
import { recordStats } from "../stats/record.ts";
import { SeedSchema } from "../stats/schema.ts";

export const dev = new Hono<{ Bindings: Env }>();

const LIMIT = 200;

const DEV_ENVS = new Set(["test", "development"]);

dev.use("/_dev/*", async (c, next) => {
  if (!DEV_ENVS.has(c.env.NUDGE_ENV)) throw httpError(404, "not_found");
  await next();
});

dev.use("/_dev/outbox*", async (c, next) => {
  if (c.env.RESEND_API_KEY) throw httpError(404, "not_found");
  await next();
});

dev.get("/_dev/outbox.json", async (c) =>
  c.json(outboxJson(await devOutbox(c.env).list(LIMIT)), 200, { "cache-control": "no-store" }),
);

dev.get("/_dev/outbox", async (c) =>
  c.html(outboxPage(await devOutbox(c.env).list(LIMIT)), 200, { "cache-control": "no-store" }),
);

dev.post("/_dev/stats", requireAdmin, async (c) => {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw httpError(400, "invalid_json");
  }
  const parsed = SeedSchema.safeParse(body);
  if (!parsed.success) throw httpError(400, "invalid_events", zodIssues(parsed.error.issues));
  await recordStats(c.env, parsed.data.events);
  return c.json({ recorded: parsed.data.events.length }, 202);
});
