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
 * Decodes character references, in one pass, so "&amp;lt;" becomes "&lt;", not "<": numeric
 * ones as a browser reads them (one naming no character, such as 0, a surrogate or past
 * U+10FFFF, becomes U+FFFD) and the names above (another name stays as written). For text that
 * arrived HTML-escaped (WooCommerce's Store API gives "Salt &#038; Pepper Mill") and for
 * reading attribute values and text back out of an email's HTML (mail/postprocess.ts,
 * mail/html-to-text.ts).
 */
export function decodeEntities(s: string): string {
  return s.replace(/&(?:#(\d+)|#x([\da-f]+)|([a-z]+));/gi, (ref, dec, hex, name) => {
    if (name !== undefined) return NAMED[(name as string).toLowerCase()] ?? ref;
    const cp = dec !== undefined ? Number(dec) : parseInt(hex as string, 16);
    return cp > 0 && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff)
      ? String.fromCodePoint(cp)
      : "\ufffd";
  });
}
