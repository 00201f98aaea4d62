// The one family of small, pure, deterministic string hashes (not cryptographic): FNV-1a 32-bit,
// and a finalised variant with better bit spread for the engine (holdout groups, variants, ids).
// Stable across releases: stats shards and episode ids depend on them.

/** 32-bit FNV-1a over UTF-16 code units. Unsigned. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** FNV-1a, then an xmur3-like avalanche. Unsigned 32-bit result. */
export function hash32(s: string): number {
  let h = fnv1a32(s);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A number in [0, 1) derived from `s`. */
export function hash01(s: string): number {
  return hash32(s) / 0x1_0000_0000;
}

/** A short URL-safe tag (8 lowercase hex chars) for `s`, e.g. to name a visitor in a key. */
export function hashTag(s: string): string {
  return hash32(s).toString(16).padStart(8, "0");
}
