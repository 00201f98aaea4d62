// The admin app, mounted once at /admin: sign-in and sign-out (same-origin forms, no guard), then
// one guard (auth.ts) in front of the dashboard, the outbox (without RESEND_API_KEY) and the JSON API. Views live beside it (pure).
import { Hono } from "hono";
import { deleteCookie, setSignedCookie } from "hono/cookie";
import { csrf } from "hono/csrf";
import { httpError } from "../lib/errors.ts";
import { log } from "../lib/log.ts";
import { safeEqual } from "../lib/crypto.ts";
import { api } from "./api.ts";
import {
  ADMIN_HTML_HEADERS,
  clientIp,
  newSessionId,
  requireAdmin,
  revokedKey,
  safeNext,
  SESSION_COOKIE,
  SESSION_TTL_S,
  sessionKey,
  sessionOf,
} from "./auth.ts";
import { failedAttempt, isThrottled, RETRY_AFTER_S } from "./throttle.ts";
import { dashboard } from "./dashboard.ts";
import { outbox } from "./outbox.ts";
import { timelineRoutes } from "./timeline-page.ts";
import { signInPage } from "./page.ts";

export const admin = new Hono<{ Bindings: Env }>();

// Forms post same-origin only (Origin / Sec-Fetch-Site checked); the cookie is SameSite=Strict.
admin.use("/login", csrf());
admin.use("/logout", csrf());
admin.use("/timeline", csrf());

admin.post("/login", async (c) => {
  let form: Record<string, unknown>;
  try {
    form = await c.req.parseBody();
  } catch {
    throw httpError(400, "invalid_form");
  }
  const next = safeNext(form.next);
  const ip = clientIp(c);
  const refused = () =>
    c.html(signInPage({ next, error: "Too many attempts. Try again in a minute." }), 429, {
      ...ADMIN_HTML_HEADERS,
      "retry-after": RETRY_AFTER_S,
    });
  if (isThrottled(ip)) return refused();
  const given = typeof form.token === "string" ? form.token : "";
  const token = c.env.ADMIN_TOKEN;
  if (!token || !given || !(await safeEqual(given, token))) {
    log("warn", "admin.login_failed", { reason: given ? "wrong_token" : "no_token" });
    if (await failedAttempt(c.env, ip)) return refused();
    return c.html(signInPage({ next, error: "That token is not valid." }), 401, ADMIN_HTML_HEADERS);
  }
  const expires = Date.now() + SESSION_TTL_S * 1000;
  const value = `${expires}.${newSessionId()}`;
  await setSignedCookie(c, SESSION_COOKIE, value, await sessionKey(c.env), {
    httpOnly: true,
    secure: true,
    sameSite: "Strict",
    path: "/admin",
    maxAge: SESSION_TTL_S,
  });
  log("info", "admin.login", {});
  c.header("cache-control", "no-store");
  return c.redirect(next, 303);
});

admin.post("/logout", async (c) => {
  // Server-side: the session id is revoked until it would have expired, so a copied cookie
  // stops working too.
  const session = await sessionOf(c);
  if (session) {
    const ttl = Math.max(60, Math.ceil((session.expires - Date.now()) / 1000));
    await c.env.NUDGE_CONFIG.put(revokedKey(session.sid), "1", { expirationTtl: ttl });
    log("info", "admin.logout", {});
  }
  deleteCookie(c, SESSION_COOKIE, {
    path: "/admin",
    secure: true,
    httpOnly: true,
    sameSite: "Strict",
  });
  c.header("cache-control", "no-store");
  return c.redirect("/admin", 303);
});

admin.use("*", requireAdmin);
admin.route("/timeline", timelineRoutes);
admin.route("/", dashboard);
admin.route("/", outbox);
admin.route("/api", api);
