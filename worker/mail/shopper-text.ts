// Text a browser supplied (names, traits, cart and product fields, custom properties) before it
// reaches an email: cut to a sane length, and stripped of anything that looks like a link or an
// address, so a hostile visitor cannot make the shop's email say "verify your card at …". URL
// fields (`url`, `image`) are left to the email's link and image policy (postprocess.ts). Pure.

/** Links, bare domains and email addresses. */
const URLISH =
  /\b(?:https?:\/\/|www\.)\S*|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|info|biz|io|co|app|shop|store|link|site|online|xyz|top|click|ru|cn|tk|me|ly|gg|to|cc)\b(?:\/\S*)?/gi;

/** Longest text kept from one browser-supplied field. */
export const SHOPPER_TEXT_MAX = 100;

/** One field's text: no links or addresses, single-spaced, at most `max` characters. */
export function shopperText(s: string, max = SHOPPER_TEXT_MAX): string {
  const t = s.replace(URLISH, " ").replace(/\s+/g, " ").trim();
  return t.length <= max ? t : `${t.slice(0, max - 1).trimEnd()}…`;
}

/** Every string in a browser-supplied value, cleaned; `url` and `image` fields kept as they are. */
export function cleanShopperData(v: unknown, depth = 0): unknown {
  if (typeof v === "string") return shopperText(v);
  if (depth > 4 || v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.slice(0, 100).map((x) => cleanShopperData(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v))
    out[k] = k === "url" || k === "image" ? x : cleanShopperData(x, depth + 1);
  return out;
}
