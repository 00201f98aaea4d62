// Small WebCrypto helpers: constant-time string compare and keyed hashes for contact ids.
// Used by the admin guard and the shells that need a non-reversible id for logs.

const enc = new TextEncoder();

/** Constant-time equality of two strings (compares SHA-256 digests, so lengths may differ). */
export async function safeEqual(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([
    crypto.subtle.digest("SHA-256", enc.encode(a)),
    crypto.subtle.digest("SHA-256", enc.encode(b)),
  ]);
  return crypto.subtle.timingSafeEqual(da, db);
}

/** HMAC-SHA256(key, message) as lowercase hex. */
export async function hmacHex(key: string, message: string): Promise<string> {
  const k = await crypto.subtle.importKey(
    "raw",
    enc.encode(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", k, enc.encode(message)));
  return [...sig].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The contact's id: a keyed hash of (site, normalised email). Safe to log; not reversible. */
export async function contactHash(secret: string, site: string, email: string): Promise<string> {
  return (await hmacHex(secret, `contact:${site}:${email.trim().toLowerCase()}`)).slice(0, 24);
}
