// Webhook signatures of the store platforms, checked over the raw body before anything is parsed.
// Shopify and WooCommerce: a base64 HMAC-SHA256 of the body in one header. Stripe: `t=…,v1=…`,
// a hex HMAC-SHA256 of `t + "." + body`, refused outside a 5-minute tolerance (a replay of an old
// delivery fails even with a valid signature). Pure Web Crypto.
import {
  fromBase64,
  hmacHex,
  hmacKey,
  hmacSha256,
  timingSafeEqual,
  toBase64,
  utf8,
} from "../../lib/crypto.ts";

export type SignatureCheck = { ok: true } | { ok: false; reason: SignatureFailure };
export type SignatureFailure =
  | "no_secret"
  | "missing_signature"
  | "bad_signature"
  | "malformed_signature"
  | "timestamp_out_of_tolerance";

/** How far a Stripe signature's timestamp may be from now. */
export const STRIPE_TOLERANCE_MS = 5 * 60_000;

/** Base64 HMAC-SHA256 of `body` with `secret`. */
export async function base64Hmac(secret: string, body: string): Promise<string> {
  return toBase64(await hmacSha256(await hmacKey(secret), body));
}

/** Shopify's `X-Shopify-Hmac-Sha256` and WooCommerce's `X-WC-Webhook-Signature`. */
export async function verifyBase64Hmac(
  secret: string | undefined,
  body: string,
  header: string | undefined | null,
): Promise<SignatureCheck> {
  if (!secret) return { ok: false, reason: "no_secret" };
  if (!header) return { ok: false, reason: "missing_signature" };
  const given = fromBase64(header.trim());
  if (!given) return { ok: false, reason: "malformed_signature" };
  const want = await hmacSha256(await hmacKey(secret), body);
  return timingSafeEqual(given, want) ? { ok: true } : { ok: false, reason: "bad_signature" };
}

/** Hex HMAC-SHA256 of `${t}.${body}`: what Stripe puts in `v1`. */
export function stripeSignature(secret: string, t: number, body: string): Promise<string> {
  return hmacHex(secret, `${t}.${body}`);
}

/** Stripe's `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=…][,v0=…]`. */
export async function verifyStripe(
  secret: string | undefined,
  body: string,
  header: string | undefined | null,
  now: number,
): Promise<SignatureCheck> {
  if (!secret) return { ok: false, reason: "no_secret" };
  if (!header) return { ok: false, reason: "missing_signature" };
  let t: number | null = null;
  const v1: string[] = [];
  for (const part of header.split(",")) {
    const [k, v] = part.split("=", 2).map((s) => s.trim());
    if (k === "t" && v && /^\d{1,12}$/.test(v)) t = Number(v);
    if (k === "v1" && v && /^[0-9a-f]{64}$/i.test(v)) v1.push(v.toLowerCase());
  }
  if (t === null || v1.length === 0) return { ok: false, reason: "malformed_signature" };
  const want = utf8(await stripeSignature(secret, t, body));
  if (!v1.some((s) => timingSafeEqual(utf8(s), want)))
    return { ok: false, reason: "bad_signature" };
  // Checked after the signature: a forged header learns nothing about the clock.
  if (Math.abs(now - t * 1000) > STRIPE_TOLERANCE_MS)
    return { ok: false, reason: "timestamp_out_of_tolerance" };
  return { ok: true };
}
