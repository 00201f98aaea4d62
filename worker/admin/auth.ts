// The admin guard: `Authorization: Bearer <ADMIN_TOKEN>` (constant-time compare) or the
// `nudge_admin` session cookie set by POST /admin/login (HMAC signed, 12 h expiry inside the
// signed value). Unauthenticated: the sign-in page for GET /admin, 401 JSON otherwise. Installed
// once, by the admin app (index.ts), and by the dev-only seeding route.
import type { Context } from "hono";
import { generateSignedCookie, getSignedCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { hmacHex, safeEqual } from "../lib/crypto.ts";
import { httpError } from "../lib/errors.ts";
import { signInPage } from "./page.ts";

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
export function sessionKey(env: Env): Promise<string> {
  return hmacHex(env.ADMIN_TOKEN, `nudge-admin-session\n${env.NUDGE_SECRET ?? ""}`);
}

/** The signed cookie value for a session ending at `expiresAt` (ms). Exported for tests. */
export async function sessionCookie(env: Env, expiresAt: number): Promise<string> {
  return generateSignedCookie(SESSION_COOKIE, String(expiresAt), await sessionKey(env));
}

export async function isAdmin(c: AdminContext, now = Date.now()): Promise<boolean> {
  const token = c.env.ADMIN_TOKEN;
  if (!token) return false;
  const auth = c.req.header("authorization");
  if (auth !== undefined) {
    // A bearer header, right or wrong, decides alone: no falling back to the cookie.
    const given = auth.startsWith("Bearer ") ? auth.slice(7) : "";
    return given !== "" && (await safeEqual(given, token));
  }
  const value = await getSignedCookie(c, await sessionKey(c.env), SESSION_COOKIE);
  const expires = typeof value === "string" ? Number(value) : NaN;
  return Number.isFinite(expires) && expires > now;
}

const isPage = (c: AdminContext) =>
  c.req.method === "GET" && (c.req.path === "/admin" || c.req.path === "/admin/");

/** Only local /admin paths: never an open redirect. */
export function safeNext(v: unknown): string {
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
