// /admin auth and operator reads. requireAdmin accepts `Authorization: Bearer <ADMIN_TOKEN>`
// (constant-time compare) or the `nudge_admin` session cookie set by POST /admin/login (HMAC
// signed, 12 h expiry inside the signed value). Unauthenticated: 401 JSON for the API, the
// sign-in page for GET /admin. Other routers (stats, dashboard, contacts) reuse requireAdmin.
import type { Context } from "hono";
import { Hono } from "hono";
import { deleteCookie, generateSignedCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import { csrf } from "hono/csrf";
import { createMiddleware } from "hono/factory";
import { hmacHex, safeEqual } from "../lib/crypto.ts";
import { httpError } from "../lib/errors.ts";
import { log } from "../lib/log.ts";
import { visitorStub } from "../lib/stubs.ts";
import { signInPage } from "../stats/page.ts";

export const SESSION_COOKIE = "nudge_admin";
export const SESSION_TTL_S = 12 * 60 * 60;

/** Headers for every admin HTML page: never cached, never framed, no scripts at all. */
export const ADMIN_HTML_HEADERS = {
  "cache-control": "no-store",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

type AdminContext = Context<{ Bindings: Env }>;

/** Session signing key: changes (and so logs everyone out) when ADMIN_TOKEN or NUDGE_SECRET do. */
function sessionKey(env: Env): Promise<string> {
  return hmacHex(env.ADMIN_TOKEN, `nudge-admin-session\n${env.NUDGE_SECRET ?? ""}`);
}

/** The signed cookie value for a session ending at `expiresAt` (ms). Exported for tests. */
export async function sessionCookie(env: Env, expiresAt: number): Promise<string> {
  return generateSignedCookie(SESSION_COOKIE, String(expiresAt), await sessionKey(env));
}

/** Requests already authenticated (routers share requireAdmin, so it may run twice). */
const authenticated = new WeakSet<Request>();

export async function isAdmin(c: AdminContext, now = Date.now()): Promise<boolean> {
  if (authenticated.has(c.req.raw)) return true;
  const token = c.env.ADMIN_TOKEN;
  if (!token) return false;
  const auth = c.req.header("authorization");
  let ok: boolean;
  if (auth !== undefined) {
    // A bearer header, right or wrong, decides alone: no falling back to the cookie.
    const given = auth.startsWith("Bearer ") ? auth.slice(7) : "";
    ok = given !== "" && (await safeEqual(given, token));
  } else {
    const value = await getSignedCookie(c, await sessionKey(c.env), SESSION_COOKIE);
    const expires = typeof value === "string" ? Number(value) : NaN;
    ok = Number.isFinite(expires) && expires > now;
  }
  if (ok) authenticated.add(c.req.raw);
  return ok;
}

const isPage = (c: AdminContext) => c.req.method === "GET" && c.req.path === "/admin";

/** Only local /admin paths: never an open redirect. */
function safeNext(v: unknown): string {
  return typeof v === "string" && /^\/admin(?:[/?]|$)/.test(v) && !v.includes("\\") ? v : "/admin";
}

export const requireAdmin = createMiddleware<{ Bindings: Env }>(async (c, next) => {
  if (await isAdmin(c)) return next();
  if (isPage(c)) {
    const url = new URL(c.req.url);
    return c.html(
      signInPage({ next: safeNext(url.pathname + url.search) }),
      401,
      ADMIN_HTML_HEADERS,
    );
  }
  throw httpError(401, "unauthorized", undefined, { "www-authenticate": 'Bearer realm="nudge"' });
});

export const admin = new Hono<{ Bindings: Env }>();
admin.use("/admin/api/*", requireAdmin);
// Forms post same-origin only (Origin / Sec-Fetch-Site checked); the cookie is SameSite=Strict.
admin.use("/admin/login", csrf());
admin.use("/admin/logout", csrf());

admin.post("/admin/login", async (c) => {
  let form: Record<string, unknown>;
  try {
    form = await c.req.parseBody();
  } catch {
    throw httpError(400, "invalid_form");
  }
  const next = safeNext(form.next);
  const given = typeof form.token === "string" ? form.token : "";
  const token = c.env.ADMIN_TOKEN;
  if (!token || !given || !(await safeEqual(given, token))) {
    log("warn", "admin.login_failed", { reason: given ? "wrong_token" : "no_token" });
    return c.html(signInPage({ next, error: "That token is not valid." }), 401, ADMIN_HTML_HEADERS);
  }
  const expires = Date.now() + SESSION_TTL_S * 1000;
  await setSignedCookie(c, SESSION_COOKIE, String(expires), await sessionKey(c.env), {
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

admin.post("/admin/logout", (c) => {
  deleteCookie(c, SESSION_COOKIE, {
    path: "/admin",
    secure: true,
    httpOnly: true,
    sameSite: "Strict",
  });
  c.header("cache-control", "no-store");
  return c.redirect("/admin", 303);
});

const SITE = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const VID = /^[A-Za-z0-9_-]{16,64}$/;

admin.get("/admin/api/visitors/:site/:vid", async (c) => {
  const { site, vid } = c.req.param();
  if (!SITE.test(site) || !VID.test(vid)) throw httpError(400, "invalid_id");
  const state = await visitorStub(c.env, site, vid).snapshot();
  if (!state) throw httpError(404, "not_found");
  return c.json(state);
});
