// The one HTML escape, for every page the worker renders (admin, unsubscribe, dev outbox) and for
// the mail post-processor. Pure.

/** Escapes text for HTML content and double- or single-quoted attribute values. */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&#34;")
    .replace(/'/g, "&#39;");
}

/** The named references text escaped for HTML usually holds (WordPress's esc_html among them). */
const NAMED: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
};

/**
 * Decodes the character references in text that arrived HTML-escaped (WooCommerce's Store API
 * gives "Salt &#038; Pepper Mill"): numeric ones and the names above, in one pass, so
 * "&amp;lt;" becomes "&lt;", not "<". A reference to no character (0, a surrogate, past
 * U+10FFFF) or an unknown name stays as written.
 */
export function decodeEntities(s: string): string {
  return s.replace(/&(?:#(\d{1,7})|#x([\da-f]{1,6})|([a-z]{2,6}));/gi, (ref, dec, hex, name) => {
    if (name !== undefined) return NAMED[name.toLowerCase()] ?? ref;
    const cp = dec !== undefined ? Number(dec) : parseInt(hex, 16);
    return cp > 0 && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff)
      ? String.fromCodePoint(cp)
      : ref;
  });
}
