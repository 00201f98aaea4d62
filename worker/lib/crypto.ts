// The one crypto module: base64/base64url, HMAC-SHA256 (keys cached per isolate), constant-time
// comparison, SHA-256 and the contact id. Pure Web Crypto (workerd and Node 20 alike); used by
// signed links, webhook verification, the admin guard and the objects that name contacts.
const enc = new TextEncoder();

export function utf8(s: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(enc.encode(s));
}

export function toBase64(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i] ?? 0);
  return btoa(bin);
}

/** Decodes standard base64; returns null on invalid input instead of throwing. */
export function fromBase64(s: string): Uint8Array<ArrayBuffer> | null {
  try {
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromBase64Url(s: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return null;
  const pad = s.length % 4 === 2 ? "==" : s.length % 4 === 3 ? "=" : s.length % 4 === 1 ? null : "";
  if (pad === null) return null;
  return fromBase64(s.replace(/-/g, "+").replace(/_/g, "/") + pad);
}

const keyCache = new Map<string, Promise<CryptoKey>>();

/** Imports (and caches per isolate) an HMAC-SHA256 key from raw bytes or a UTF-8 secret. */
export function hmacKey(secret: string | Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  const raw = typeof secret === "string" ? utf8(secret) : secret;
  const id = typeof secret === "string" ? `s:${secret}` : `b:${toBase64(secret)}`;
  let key = keyCache.get(id);
  if (!key) {
    key = crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    if (keyCache.size > 32) keyCache.clear();
    keyCache.set(id, key);
  }
  return key;
}

export async function hmacSha256(key: CryptoKey, data: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8(data)));
}

/** Constant-time equality for equal-length byte arrays (length itself is not secret). */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

const toHex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

async function sha256(s: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(s)));
}

/** Hex SHA-256 of a string (ids, hashes for logs). */
export async function sha256Hex(s: string): Promise<string> {
  return toHex(await sha256(s));
}

/** HMAC-SHA256(key, message) as lowercase hex. */
export async function hmacHex(key: string, message: string): Promise<string> {
  return toHex(await hmacSha256(await hmacKey(key), message));
}

/** Constant-time equality of two strings (compares SHA-256 digests, so lengths may differ). */
export async function safeEqual(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([sha256(a), sha256(b)]);
  return timingSafeEqual(da, db);
}

/** The contact's id: a keyed hash of (site, normalised email). Safe to log; not reversible. */
export async function contactHash(secret: string, site: string, email: string): Promise<string> {
  return (await hmacHex(secret, `contact:${site}:${email.trim().toLowerCase()}`)).slice(0, 24);
}
