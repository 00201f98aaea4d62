// Link helpers for email: a LinkSigner that mints /c, /o and /u URLs for one send, and the pure
// checks the click route needs (allowed destination, appending `nudge_t`). No I/O besides HMAC.
import { signToken, type EmailRefPayload } from "./tokens.ts";

/** Mints the tracked URLs for one email. renderEmail calls it; tests can fake it. */
export interface LinkSigner {
  /** Public base of the worker, no trailing slash, e.g. "https://nudge.example.com". */
  readonly base: string;
  /** `${base}/c/<token>` redirecting (after recording) to `url`. */
  click(url: string): Promise<string>;
  /** `${base}/o/<token>`: the open pixel. */
  open(): Promise<string>;
  /** `${base}/u/<token>`: unsubscribe page (GET) and RFC 8058 one-click endpoint (POST). */
  unsubscribe(): Promise<string>;
}

export interface SendRef extends EmailRefPayload {
  /** Recipient (kept for callers; no token carries it: tokens name the contact hash). */
  email: string;
  /** The kind of email this is (the trigger's topic, else its id), carried by the unsubscribe
   * link so its page can stop that kind alone; null for mail that has none. */
  topic?: string | null;
}

export function trimBase(base: string): string {
  return base.replace(/\/+$/, "");
}

/** The production LinkSigner: HMAC tokens keyed by NUDGE_SECRET. Click tokens are memoised. */
export function makeLinkSigner(
  secret: string,
  base: string,
  ref: SendRef,
  now: number,
  /** URLs off the site's origins this email may link to (a checkout's recovery URL). */
  external: readonly string[] = [],
): LinkSigner {
  const outside = new Set(external.map((u) => parseHttpUrl(u)?.href));
  const b = trimBase(base);
  const { email: _email, topic, ...emailRef } = ref;
  const clicks = new Map<string, Promise<string>>();
  return {
    base: b,
    click(url) {
      let t = clicks.get(url);
      if (!t) {
        const ext = outside.has(parseHttpUrl(url)?.href) ? { external: true as const } : {};
        t = signToken(secret, { kind: "click", ...emailRef, url, ...ext }, { now });
        clicks.set(url, t);
      }
      return t.then((tok) => `${b}/c/${tok}`);
    },
    async open() {
      return `${b}/o/${await signToken(secret, { kind: "open", ...emailRef }, { now })}`;
    },
    async unsubscribe() {
      const tok = await signToken(
        secret,
        { kind: "unsubscribe", site: ref.site, contact: ref.contact, ...(topic ? { topic } : {}) },
        { now },
      );
      return `${b}/u/${tok}`;
    },
  };
}

/** Absolute http(s) URL, or null. */
export function parseHttpUrl(raw: string): URL | null {
  if (!/^https?:\/\//i.test(raw.trim())) return null;
  try {
    return new URL(raw.trim());
  } catch {
    return null;
  }
}

/**
 * Whether the click route may redirect to `url`: an absolute http(s) URL whose origin is one of
 * the site's origins. An empty origin list allows any http(s) URL (the token is still signed).
 */
export function isAllowedDestination(url: string, origins: readonly string[]): boolean {
  const u = parseHttpUrl(url);
  if (!u) return false;
  if (origins.length === 0) return true;
  return origins.some((o) => parseHttpUrl(o)?.origin === u.origin);
}

/** Appends (or replaces) `nudge_t=<identity token>`, keeping the fragment in place. */
export function withIdentity(url: string, identityToken: string): string {
  const u = new URL(url);
  u.searchParams.set("nudge_t", identityToken);
  return u.toString();
}
