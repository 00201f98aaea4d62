// The dev outbox (only without RESEND_API_KEY): GET /_dev/outbox (list + previews) and
// GET /_dev/outbox.json. In production, with a key set, these routes do not exist (404).
import { Hono } from "hono";
import { devOutbox } from "../contact/outbound.ts";
import { httpError } from "../lib/errors.ts";
import { outboxJson, outboxPage } from "../mail/outbox-view.ts";

export const dev = new Hono<{ Bindings: Env }>();

const LIMIT = 200;

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
