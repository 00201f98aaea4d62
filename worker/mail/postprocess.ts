// After Liquid: rewrite links through the click route, drop unsafe URLs, add the open pixel and
// the marketing footer (postal address + unsubscribe). Pure string work plus the LinkSigner.
import { decodeEntities, escapeHtml } from "../lib/html.ts";
import { parseHttpUrl, type LinkSigner } from "./links.ts";

export interface LinkPolicy {
  signer: LinkSigner;
  /** Site origins: links go only here, through the click route; links elsewhere are removed.
   * Empty: every http(s) link is tracked (previews and the CLI). */
  allowedOrigins: readonly string[];
  /** Hosts images may load from besides the site origins (a store CDN). */
  imageHosts?: readonly string[];
}

type HrefAction = { kind: "track"; url: string } | { kind: "keep" } | { kind: "drop" };

function classifyHref(raw: string, policy: LinkPolicy): HrefAction {
  const v = decodeEntities(raw).trim();
  if (v.startsWith(policy.signer.base + "/")) return { kind: "keep" };
  if (/^(mailto|tel):/i.test(v) || v.startsWith("#")) return { kind: "keep" };
  const u = parseHttpUrl(v);
  if (!u) return { kind: "drop" };
  const tracked =
    policy.allowedOrigins.length === 0 ||
    policy.allowedOrigins.some((o) => parseHttpUrl(o)?.origin === u.origin);
  return tracked ? { kind: "track", url: v } : { kind: "drop" };
}

/** Images only from the site's origins, the configured image hosts, or attachments (cid:). */
function isSafeSrc(raw: string, policy: LinkPolicy): boolean {
  const v = decodeEntities(raw).trim();
  if (/^cid:/i.test(v)) return true;
  const u = parseHttpUrl(v);
  if (!u) return false;
  if (policy.allowedOrigins.length === 0) return true;
  return (
    policy.allowedOrigins.some((o) => parseHttpUrl(o)?.origin === u.origin) ||
    (policy.imageHosts ?? []).includes(u.hostname)
  );
}

const TAG = /<[a-zA-Z][^>]*>/g;
const ATTR = /(\s)(href|src)(\s*=\s*)("[^"]*"|'[^']*'|[^\s"'>]+)/gi;

function unquote(v: string): string {
  return v.startsWith('"') || v.startsWith("'") ? v.slice(1, -1) : v;
}

/**
 * Rewrites every `href` in tags: site http(s) links → `${base}/c/<token>`; our own links,
 * mailto:, tel: and #anchors kept; anything else (other sites, javascript:, data:, relative)
 * removed. `src` attributes keep only the site's origins, the image hosts and cid: URLs.
 */
export async function rewriteHtmlLinks(html: string, policy: LinkPolicy): Promise<string> {
  const toSign = new Set<string>();
  for (const tag of html.match(TAG) ?? []) {
    for (const m of tag.matchAll(ATTR)) {
      if (m[2]?.toLowerCase() !== "href") continue;
      const a = classifyHref(unquote(m[4] ?? ""), policy);
      if (a.kind === "track") toSign.add(a.url);
    }
  }
  const signed = new Map<string, string>();
  await Promise.all([...toSign].map(async (u) => signed.set(u, await policy.signer.click(u))));
  return html.replace(TAG, (tag) =>
    tag.replace(ATTR, (whole, sp: string, name: string, eq: string, value: string) => {
      const raw = unquote(value);
      if (name.toLowerCase() === "src") return isSafeSrc(raw, policy) ? whole : "";
      const a = classifyHref(raw, policy);
      if (a.kind === "drop") return "";
      if (a.kind === "keep") return whole;
      return `${sp}${name}${eq}"${escapeHtml(signed.get(a.url) ?? "")}"`;
    }),
  );
}

const TEXT_URL = /https?:\/\/[^\s<>"'`]+/g;

/** Rewrites site http(s) URLs in the text part through the click route; removes the others. */
export async function rewriteTextLinks(text: string, policy: LinkPolicy): Promise<string> {
  const found: { start: number; end: number; url: string | null }[] = [];
  for (const m of text.matchAll(TEXT_URL)) {
    const url = m[0].replace(/[.,;:!?)\]}]+$/, "");
    const a = classifyHref(url, policy);
    if (a.kind === "keep") continue;
    found.push({ start: m.index, end: m.index + url.length, url: a.kind === "track" ? url : null });
  }
  let out = "";
  let last = 0;
  for (const f of found) {
    out += text.slice(last, f.start) + (f.url === null ? "" : await policy.signer.click(f.url));
    last = f.end;
  }
  return out + text.slice(last);
}

function insertBeforeBodyEnd(html: string, fragment: string): string {
  const i = html.toLowerCase().lastIndexOf("</body>");
  return i < 0 ? html + fragment : html.slice(0, i) + fragment + html.slice(i);
}

export function appendPixel(html: string, pixelUrl: string): string {
  const img =
    `<img src="${escapeHtml(pixelUrl)}" width="1" height="1" alt="" ` +
    `style="display:block;width:1px;height:1px;border:0;margin:0;padding:0;">`;
  return insertBeforeBodyEnd(html, img);
}

export interface FooterInfo {
  postalAddress: string;
  unsubscribeUrl: string;
  siteName: string;
}

/** Adds the footer unless the HTML already shows both the postal address and the unsubscribe URL. */
export function ensureHtmlFooter(html: string, f: FooterInfo): string {
  const hasUnsub = html.includes(escapeHtml(f.unsubscribeUrl));
  const hasPostal = !f.postalAddress || html.includes(escapeHtml(f.postalAddress));
  if (hasUnsub && hasPostal) return html;
  const footer =
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">` +
    `<tr><td align="center" style="padding:16px 24px;font-family:Arial,Helvetica,sans-serif;` +
    `font-size:12px;line-height:18px;color:#6b7280;">` +
    `${escapeHtml(f.siteName)} &middot; ${escapeHtml(f.postalAddress)}<br>` +
    `<a href="${escapeHtml(f.unsubscribeUrl)}" style="color:#6b7280;text-decoration:underline;">` +
    `Unsubscribe</a></td></tr></table>`;
  return insertBeforeBodyEnd(html, footer);
}

export function ensureTextFooter(text: string, f: FooterInfo): string {
  const hasUnsub = text.includes(f.unsubscribeUrl);
  const hasPostal = !f.postalAddress || text.includes(f.postalAddress);
  if (hasUnsub && hasPostal) return text;
  return `${text.trimEnd()}\n\n--\n${f.siteName} · ${f.postalAddress}\nUnsubscribe: ${f.unsubscribeUrl}\n`;
}
