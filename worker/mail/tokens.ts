// Signed, compact, URL-safe tokens for email links (click, open, unsubscribe, confirm) and the `nudge_t`
// identity token. HMAC-SHA256 keyed by NUDGE_SECRET, truncated to 128 bits. Signed, NOT encrypted:
// the payload is readable base64url JSON, so prefer a contact hash over an email where you can.
import { z } from "zod";
import {
  fromBase64Url,
  hmacKey,
  hmacSha256,
  timingSafeEqual,
  toBase64Url,
  utf8,
} from "../lib/crypto.ts";

/** Where a click or open came from: the (trigger, episode, step, variant) of one send. */
export interface EmailRefPayload {
  site: string;
  /** Contact reference chosen by the caller: a contact hash (recommended) or the email. */
  contact: string;
  trigger: string;
  episode: string;
  step: number;
  variant: number | null;
}
export type ClickPayload = EmailRefPayload & {
  kind: "click";
  url: string;
  /** A destination the store's own systems gave for this one email (a checkout's recovery URL),
   * not on the site's origins: followed as signed, and without an identity token. */
  external?: true;
};
export type OpenPayload = EmailRefPayload & { kind: "open" };
// Unsubscribe and identity tokens name the contact by its keyed hash, never by address: these
// tokens end up in URLs, and URLs end up in access logs and analytics.
export interface UnsubscribePayload {
  kind: "unsubscribe";
  site: string;
  contact: string;
  /** The kind of email the link came in (the trigger's topic, else its id): the page offers to
   * stop that kind alone. Absent in links minted before topics existed: they mean everything. */
  topic?: string;
}
export interface IdentityPayload {
  kind: "identity";
  site: string;
  contact: string;
}
/** Double opt-in: the confirmation email's button (`/v/<token>`). */
export interface VerifyPayload {
  kind: "verify";
  site: string;
  contact: string;
}
/** A saved cart, for restoring it on any device (`nudge_cart` on the email's cart link). */
export interface CartPayload {
  kind: "cart";
  site: string;
  currency: string | null;
  /** [item id, quantity] pairs. */
  items: [string, number][];
}
export type TokenPayload =
  ClickPayload | OpenPayload | UnsubscribePayload | IdentityPayload | VerifyPayload | CartPayload;
export type TokenKind = TokenPayload["kind"];
export type PayloadOf<K extends TokenKind> = Extract<TokenPayload, { kind: K }>;

export type VerifyResult<K extends TokenKind> =
  | {
      ok: true;
      payload: PayloadOf<K>;
      /** ms since epoch, null = never */ expiresAt: number | null;
    }
  | { ok: false; reason: "malformed" | "bad_signature" | "expired" | "wrong_kind" };

/** Default lifetimes in ms (null = no expiry). Links in mail must keep working for a long time. */
export const DEFAULT_TTL_MS: Record<TokenKind, number | null> = {
  click: null,
  open: null,
  unsubscribe: null,
  identity: 7 * 24 * 3600 * 1000,
  verify: 7 * 24 * 3600 * 1000,
  cart: 30 * 24 * 3600 * 1000,
};

const MAC_BYTES = 16;
const DOMAIN = "nudge1.";
const KIND_CODE = {
  click: "c",
  open: "o",
  unsubscribe: "u",
  identity: "i",
  verify: "v",
  cart: "k",
} as const;

const str = z.string().max(4096);
/** A topic slug or a trigger id (a send's topic is one or the other). */
const TOPIC = /^[a-z0-9-]{1,64}$/;
const ref = [
  str,
  str,
  str,
  str,
  z.number().int().min(0),
  z.number().int().min(0).nullable(),
] as const;
const Wire = z.union([
  z.tuple([z.literal("c"), z.number().int().min(0), ...ref, str]),
  z.tuple([z.literal("c"), z.number().int().min(0), ...ref, str, z.literal(1)]),
  z.tuple([z.literal("o"), z.number().int().min(0), ...ref]),
  z.tuple([z.literal("u"), z.number().int().min(0), str, str]),
  z.tuple([z.literal("u"), z.number().int().min(0), str, str, z.string().regex(TOPIC)]),
  z.tuple([z.literal("i"), z.number().int().min(0), str, str]),
  z.tuple([z.literal("v"), z.number().int().min(0), str, str]),
  z.tuple([
    z.literal("k"),
    z.number().int().min(0),
    str,
    str.nullable(),
    z.array(z.tuple([z.string().max(128), z.number().int().min(1).max(10_000)])).max(100),
  ]),
]);

function toWire(p: TokenPayload, exp: number): unknown[] {
  switch (p.kind) {
    case "click":
      return [
        ...["c", exp, p.site, p.contact, p.trigger, p.episode, p.step, p.variant, p.url],
        ...(p.external ? [1] : []),
      ];
    case "open":
      return ["o", exp, p.site, p.contact, p.trigger, p.episode, p.step, p.variant];
    case "unsubscribe":
      return ["u", exp, p.site, p.contact, ...(p.topic === undefined ? [] : [p.topic])];
    case "identity":
      return ["i", exp, p.site, p.contact];
    case "verify":
      return ["v", exp, p.site, p.contact];
    case "cart":
      return ["k", exp, p.site, p.currency, p.items];
  }
}

function fromWire(w: z.infer<typeof Wire>): { payload: TokenPayload; exp: number } {
  switch (w[0]) {
    case "c": {
      const [, exp, site, contact, trigger, episode, step, variant, url, external] = w;
      return {
        exp,
        payload: {
          kind: "click",
          site,
          contact,
          trigger,
          episode,
          step,
          variant,
          url,
          ...(external ? { external: true as const } : {}),
        },
      };
    }
    case "o": {
      const [, exp, site, contact, trigger, episode, step, variant] = w;
      return { exp, payload: { kind: "open", site, contact, trigger, episode, step, variant } };
    }
    case "u": {
      const [, exp, site, contact, topic] = w;
      return {
        exp,
        payload: { kind: "unsubscribe", site, contact, ...(topic === undefined ? {} : { topic }) },
      };
    }
    case "i":
      return { exp: w[1], payload: { kind: "identity", site: w[2], contact: w[3] } };
    case "v":
      return { exp: w[1], payload: { kind: "verify", site: w[2], contact: w[3] } };
    case "k":
      return { exp: w[1], payload: { kind: "cart", site: w[2], currency: w[3], items: w[4] } };
  }
}

async function mac(secret: string, body: string): Promise<Uint8Array> {
  if (!secret) throw new Error("NUDGE_SECRET is empty: refusing to sign or verify tokens");
  const full = await hmacSha256(await hmacKey(secret), DOMAIN + body);
  return full.slice(0, MAC_BYTES);
}

export interface SignOptions {
  /** Current time, ms since epoch. */
  now: number;
  /** Lifetime in ms; null = never expires. Defaults to DEFAULT_TTL_MS[kind]. */
  ttlMs?: number | null;
}

/** Signs a payload: `<base64url(json array)>.<base64url(mac)>`. */
export async function signToken(
  secret: string,
  payload: TokenPayload,
  opts: SignOptions,
): Promise<string> {
  const ttl = opts.ttlMs === undefined ? DEFAULT_TTL_MS[payload.kind] : opts.ttlMs;
  const exp = ttl === null ? 0 : Math.ceil((opts.now + ttl) / 1000);
  const body = toBase64Url(utf8(JSON.stringify(toWire(payload, exp))));
  return `${body}.${toBase64Url(await mac(secret, body))}`;
}

/**
 * Verifies a token of the expected kind. The kind is part of the signed payload, so an
 * unsubscribe token can never pass as an identity token (or vice versa).
 */
export async function verifyToken<K extends TokenKind>(
  secret: string,
  token: string,
  now: number,
  kind: K,
): Promise<VerifyResult<K>> {
  if (token.length > 8192) return { ok: false, reason: "malformed" };
  const dot = token.indexOf(".");
  if (dot <= 0 || dot !== token.lastIndexOf(".")) return { ok: false, reason: "malformed" };
  const body = token.slice(0, dot);
  const sig = fromBase64Url(token.slice(dot + 1));
  const json = fromBase64Url(body);
  if (!sig || !json || sig.length !== MAC_BYTES) return { ok: false, reason: "malformed" };
  if (!timingSafeEqual(sig, await mac(secret, body))) return { ok: false, reason: "bad_signature" };
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(json));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  const parsed = Wire.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: "malformed" };
  const { payload, exp } = fromWire(parsed.data);
  if (parsed.data[0] !== KIND_CODE[kind]) return { ok: false, reason: "wrong_kind" };
  if (exp !== 0 && now >= exp * 1000) return { ok: false, reason: "expired" };
  return { ok: true, payload: payload as PayloadOf<K>, expiresAt: exp === 0 ? null : exp * 1000 };
}
