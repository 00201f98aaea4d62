// GET /admin/outbox (HTML) and /admin/outbox.json: the emails a worker without RESEND_API_KEY
// kept instead of sending, in every environment (production included), behind the admin guard
// installed by the admin app. With RESEND_API_KEY set nothing is kept: 404. Views: mail/outbox-view.ts.
import { Hono, type Context } from "hono";
import { createMiddleware } from "hono/factory";
import { httpError } from "../lib/errors.ts";
import { devOutbox } from "../mail/dev-outbox.ts";
import { outboxJson, outboxPage } from "../mail/outbox-view.ts";
import { ADMIN_HTML_HEADERS } from "./auth.ts";

export const outbox = new Hono<{ Bindings: Env }>();

/** How many kept emails the outbox pages list, newest first. */
export const OUTBOX_LIMIT = 200;

/** The admin CSP, but the kept emails' images may load in their previews (the open pixel is
 * removed from them, so a preview never counts as an open). */
const OUTBOX_HEADERS = {
  ...ADMIN_HTML_HEADERS,
  "content-security-policy": ADMIN_HTML_HEADERS["content-security-policy"].replace(
    "img-src data:",
    "img-src https: data:",
  ),
};

/** The outbox exists only while nothing is sent: with RESEND_API_KEY set, 404. */
export const keptMailOnly = createMiddleware<{ Bindings: Env }>(async (c, next) => {
  if (c.env.RESEND_API_KEY) throw httpError(404, "not_found");
  await next();
});

/** The kept emails as JSON (GET /admin/outbox.json and /_dev/outbox.json). */
export const keptMailJson = async (c: Context<{ Bindings: Env }>) =>
  c.json(outboxJson(await devOutbox(c.env).list(OUTBOX_LIMIT)), 200, {
    "cache-control": "no-store",
  });

outbox.use("/outbox*", keptMailOnly);
outbox.get("/outbox.json", keptMailJson);

outbox.get("/outbox", async (c) =>
  c.html(
    outboxPage(await devOutbox(c.env).list(OUTBOX_LIMIT), {
      jsonHref: "/admin/outbox.json",
      title: "Nudge outbox",
      back: "/admin",
    }),
    200,
    OUTBOX_HEADERS,
  ),
);
