// Resend webhook verification (Svix scheme): HMAC-SHA256 over `${id}.${timestamp}.${body}` with
// the whsec_ secret, any of several `v1,` signatures, 5-minute tolerance; then a zod-parsed event.
import { fromBase64, hmacKey, hmacSha256, timingSafeEqual, toBase64, utf8 } from "../lib/crypto.ts";
import { ResendWebhookEventSchema, type ResendWebhookEvent } from "./resend-events.ts";

export const SVIX_TOLERANCE_MS = 5 * 60 * 1000;

export type SvixHeaders = Headers | Record<string, string | null | undefined>;

export type SvixResult =
  | { ok: true; svixId: string; timestamp: number; event: ResendWebhookEvent }
  | {
      ok: false;
      reason:
        | "bad_secret"
        | "missing_headers"
        | "bad_timestamp"
        | "stale_timestamp"
        | "bad_signature"
        | "malformed_body"
        | "invalid_event";
    };

function header(h: SvixHeaders, name: string): string | null {
  if (h instanceof Headers) return h.get(name);
  for (const [k, v] of Object.entries(h)) if (k.toLowerCase() === name) return v ?? null;
  return null;
}

/** Decodes "whsec_<base64>" (or bare base64) to the raw key bytes; null if not base64. */
export function svixKey(secret: string): Uint8Array<ArrayBuffer> | null {
  const b64 = secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret;
  const bytes = b64 ? fromBase64(b64) : null;
  return bytes && bytes.length > 0 ? bytes : null;
}

/** base64 HMAC-SHA256 signature for (id, timestamp seconds, body): also used by tests. */
export async function svixSign(
  secret: string,
  id: string,
  timestampSec: number,
  body: string,
): Promise<string> {
  const key = svixKey(secret);
  if (!key) throw new Error("webhook secret is not whsec_<base64>");
  return toBase64(await hmacSha256(await hmacKey(key), `${id}.${timestampSec}.${body}`));
}

/**
 * Verifies a webhook over the raw body (read it with `await req.text()` before parsing).
 * `now` is ms since epoch. Only verified, schema-valid events come back `ok: true`.
 */
export async function verifySvix(
  secret: string,
  headers: SvixHeaders,
  rawBody: string,
  now: number,
): Promise<SvixResult> {
  const key = svixKey(secret);
  if (!key) return { ok: false, reason: "bad_secret" };
  const id = header(headers, "svix-id");
  const ts = header(headers, "svix-timestamp");
  const sigs = header(headers, "svix-signature");
  if (!id || !ts || !sigs) return { ok: false, reason: "missing_headers" };
  if (!/^\d{1,12}$/.test(ts)) return { ok: false, reason: "bad_timestamp" };
  const tsSec = Number(ts);
  if (Math.abs(now - tsSec * 1000) > SVIX_TOLERANCE_MS)
    return { ok: false, reason: "stale_timestamp" };
  const expected = await hmacSha256(await hmacKey(key), `${id}.${ts}.${rawBody}`);
  let match = false;
  for (const part of sigs.split(" ")) {
    const [version, sig] = part.split(",", 2);
    if (version !== "v1" || !sig) continue;
    const got = fromBase64(sig);
    if (got && timingSafeEqual(got, expected)) match = true;
  }
  if (!match) return { ok: false, reason: "bad_signature" };
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    return { ok: false, reason: "malformed_body" };
  }
  const parsed = ResendWebhookEventSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: "invalid_event" };
  return { ok: true, svixId: id, timestamp: tsSec * 1000, event: parsed.data };
}

/** Utf8 length guard for callers that want to cap the body before verifying. */
export function bodyTooLarge(rawBody: string, maxBytes = 256 * 1024): boolean {
  return rawBody.length > maxBytes || utf8(rawBody).length > maxBytes;
}
