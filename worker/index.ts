// Worker entry: builds the Hono app, installs the one error handler, mounts feature routers and
// exports the Durable Object classes. Decisions live in the modules the routers call.
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { secretProblems } from "./config/secrets.ts";
import { setupLogOnce } from "./config/setup-log.ts";
import { httpError } from "./lib/errors.ts";
import { log } from "./lib/log.ts";
import { admin } from "./admin/index.ts";
import { dev } from "./routes/dev.ts";
import { ingest } from "./routes/ingest.ts";
import { carts } from "./routes/carts.ts";
import { coupons } from "./routes/coupons.ts";
import { links } from "./routes/links.ts";
import { platformWebhooks } from "./routes/platform-webhooks.ts";
import { catalog } from "./routes/catalog.ts";
import { serverEvents } from "./routes/server-events.ts";
import { snippet } from "./routes/snippet.ts";
import { webhooks } from "./routes/webhooks.ts";

export { Catalog } from "./catalog/catalog.ts";
export { ProductWatchers } from "./catalog/watchers.ts";
export { Contact } from "./contact/contact.ts";
export { CouponPool } from "./offers/coupon-pool.ts";
export { DevOutbox } from "./mail/dev-outbox.ts";
export { Pacer } from "./mail/pacer.ts";
export { Stats } from "./stats/stats.ts";
export { Visitor } from "./visitor/visitor.ts";

const app = new Hono<{ Bindings: Env }>();

app.onError((err, c) => {
  if (err instanceof HTTPException) return err.getResponse();
  log("error", "http.error", { path: c.req.path, reason: err.message });
  return c.json({ error: "internal_error" }, 500);
});
app.notFound((c) => c.json({ error: "not_found" }, 404));

// What is not configured yet (an optional secret, PUBLIC_URL): logged once per isolate.
app.use("*", setupLogOnce);

// A deployment with a short ADMIN_TOKEN or NUDGE_SECRET serves nothing but the tag until fixed.
app.use("*", async (c, next) => {
  const problems = c.req.path === "/nudge.js" ? [] : secretProblems(c.env);
  if (problems.length === 0) return next();
  log("error", "config.secrets_invalid", { reason: problems.map((p) => p.path).join(",") });
  throw httpError(503, "misconfigured", problems);
});

app.get("/_ping", (c) => c.text("ok"));
app.route("/", snippet);
app.route("/", ingest);
app.route("/", links);
app.route("/", serverEvents);
app.route("/", catalog);
app.route("/", coupons);
app.route("/", carts);
app.route("/", webhooks);
app.route("/", platformWebhooks);
app.route("/admin", admin);
app.route("/", dev);

export default app satisfies ExportedHandler<Env>;
