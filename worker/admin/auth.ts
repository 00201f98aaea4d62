// The admin guard: `Authorization: Bearer <ADMIN_TOKEN>` (constant-time compare) or the
// `nudge_admin` session cookie set by POST /admin/login (HMAC signed; the 12 h expiry and a
// session id inside the signed value; sign-out revokes the id in KV). Unauthenticated: the
// sign-in page for GET /admin, 401 JSON otherwise; wrong Bearer tokens are throttled per IP
// (throttle.ts). Installed once, by the admin app (index.ts), and by the dev-only seeding route.
import type { Context } from "hono";
import { generateSignedCookie, getSignedCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { hmacHex, safeEqual, toBase64Url } from "../lib/crypto.ts";
import { httpError } from "../lib/errors.ts";
import { signInPage } from "./page.ts";
import { failedAttempt, isThrottled, RETRY_AFTER_S } from "./throttle.ts";

export const SESSION_COOKIE = "nudge_admin";
export const SESSION_TTL_S = 12 * 60 * 60;

/** Headers for every admin HTML page: never cached, never framed, no scripts (but the timeline
 * page's one, by nonce: adminHtmlHeaders). */
export const ADMIN_HTML_HEADERS = {
  "cache-control": "no-store",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

/** The admin HTML headers for a page with one inline script, allowed by its nonce. */
export function adminHtmlHeaders(nonce: string): Record<string, string> {
  return {
    ...ADMIN_HTML_HEADERS,
    "content-security-policy": `${ADMIN_HTML_HEADERS["content-security-policy"]}; script-src 'nonce-${nonce}'`,
  };
}

type AdminContext = Context<{ Bindings: Env }>;

/** Session signing key: changes (and so logs everyone out) when ADMIN_TOKEN or NUDGE_SECRET do. */
export function sessionKey(env: Env): Promise<string> {
  return hmacHex(env.ADMIN_TOKEN, `nudge-admin-session\n${env.NUDGE_SECRET ?? ""}`);
}

/** A new session's id (random, URL-safe). */
export function newSessionId(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
}

/** The signed cookie value for session `sid` ending at `expiresAt` (ms). Exported for tests. */
export async function sessionCookie(
  env: Env,
  expiresAt: number,
  sid = newSessionId(),
): Promise<string> {
  return generateSignedCookie(SESSION_COOKIE, `${expiresAt}.${sid}`, await sessionKey(env));
}

/** The KV key that marks a signed-out session id as revoked (until it would have expired). */
export const revokedKey = (sid: string) => `admin:revoked:${sid}`;

/** The valid session in the request's cookie, if any: its id and end (ms). */
export async function sessionOf(
  c: AdminContext,
  now = Date.now(),
): Promise<{ sid: string; expires: number } | null> {
  const value = await getSignedCookie(c, await sessionKey(c.env), SESSION_COOKIE);
  const m = typeof value === "string" ? /^(\d{1,15})\.([A-Za-z0-9_-]{16,64})$/.exec(value) : null;
  if (!m) return null;
  const expires = Number(m[1]);
  if (!(expires > now)) return null;
  const sid = m[2]!;
  if ((await c.env.NUDGE_CONFIG.get(revokedKey(sid))) !== null) return null;
  return { sid, expires };
}

/** The caller's IP, for throttling guesses. */
export const clientIp = (c: AdminContext) => c.req.header("cf-connecting-ip") ?? "unknown";

export async function isAdmin(c: AdminContext, now = Date.now()): Promise<boolean> {
  const token = c.env.ADMIN_TOKEN;
  if (!token) return false;
  const auth = c.req.header("authorization");
  if (auth !== undefined) {
    // A bearer header, right or wrong, decides alone: no falling back to the cookie.
    const given = auth.startsWith("Bearer ") ? auth.slice(7) : "";
    return given !== "" && (await safeEqual(given, token));
  }
  return (await sessionOf(c, now)) !== null;
}

const isPage = (c: AdminContext) =>
  c.req.method === "GET" &&
  ["/admin", "/admin/", "/admin/timeline", "/admin/outbox"].includes(c.req.path);

/** Only local /admin paths: never an open redirect. */
export function safeNext(v: unknown): string {
  return typeof v === "string" && /^\/admin(?:[/?]|$)/.test(v) && !v.includes("\\") ? v : "/admin";
}

export const requireAdmin = createMiddleware<{ Bindings: Env }>(async (c, next) => {
  const ip = clientIp(c);
  if (isThrottled(ip)) throw tooMany();
  if (await isAdmin(c)) return next();
  // A wrong Bearer token is a guess: counted, and past the allowance the IP is refused a while.
  if (c.req.header("authorization") !== undefined && (await failedAttempt(c.env, ip)))
    throw tooMany();
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

/** Too many failed credentials from this IP: come back in a minute. */
export function tooMany() {
  return httpError(429, "too_many_attempts", undefined, { "retry-after": RETRY_AFTER_S });
}
