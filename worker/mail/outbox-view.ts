// Pure views of the dev outbox for GET /_dev/outbox and GET /admin/outbox (HTML list with a
// sandboxed preview of each email) and their .json. Routes only fetch records and return these strings.
import type { OutboxRecord } from "./outbox-sender.ts";
import { escapeHtml } from "../lib/html.ts";

export interface OutboxJsonItem {
  id: string;
  at: string;
  idempotencyKey: string;
  from: string;
  to: string;
  subject: string;
  headers: Record<string, string>;
  tags: { name: string; value: string }[];
  html: string;
  text: string;
}

export function outboxJson(records: readonly OutboxRecord[]): { emails: OutboxJsonItem[] } {
  return {
    emails: records.map((r) => ({
      id: r.id,
      at: new Date(r.at).toISOString(),
      idempotencyKey: r.email.idempotencyKey,
      from: r.email.from,
      to: r.email.to,
      subject: r.email.subject,
      headers: r.email.headers,
      tags: r.email.tags,
      html: r.email.html,
      text: r.email.text,
    })),
  };
}

const STYLE = `body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f3f4f6;color:#111827}
header{padding:16px 24px;background:#111827;color:#fff}header h1{margin:0;font-size:18px}header p{margin:4px 0 0;color:#9ca3af}
main{padding:16px 24px;max-width:1100px}table.list{width:100%;border-collapse:collapse;background:#fff;border-radius:8px;overflow:hidden}
.list th,.list td{text-align:left;padding:8px 12px;border-bottom:1px solid #e5e7eb;vertical-align:top}.list th{background:#f9fafb;font-weight:600}
section{margin:24px 0;background:#fff;border-radius:8px;padding:16px}section h2{margin:0 0 8px;font-size:16px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0 0 12px;font-size:13px}dt{color:#6b7280}dd{margin:0;word-break:break-all}
iframe{width:100%;height:640px;border:1px solid #e5e7eb;border-radius:6px;background:#fff}
details pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f9fafb;padding:12px;border-radius:6px;font-size:13px}.empty{color:#6b7280}
.scroll{overflow-x:auto}.list td{overflow-wrap:anywhere}.list td:first-child{white-space:nowrap}
@media (max-width:600px){header,main{padding-left:12px;padding-right:12px}section{padding:12px}.list thead{display:none}.list tr{display:block;padding:6px 0;border-bottom:1px solid #e5e7eb}.list td{display:block;border:0;padding:1px 10px}.list td:first-child{color:#6b7280;font-size:12px}
dl{grid-template-columns:1fr}dt{margin-top:6px}}`;

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

function fmtTime(at: number): string {
  return new Date(at).toISOString().replace(/\.\d+Z$/, "Z");
}

/** One email: metadata, the HTML in a sandboxed iframe (no scripts, no same-origin), and the text. */
export function outboxPreviewSection(r: OutboxRecord): string {
  const meta: [string, string][] = [
    ["Subject", r.email.subject],
    ["From", r.email.from],
    ["To", r.email.to],
    ["Sent", fmtTime(r.at)],
    ["Idempotency-Key", r.email.idempotencyKey],
    ...Object.entries(r.email.headers),
    ["Tags", r.email.tags.map((t) => `${t.name}=${t.value}`).join(", ")],
  ];
  return `<section id="${escapeHtml(r.id)}"><h2>${escapeHtml(r.email.subject)}</h2>
<dl>${meta.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join("")}</dl>
<iframe title="${escapeHtml(r.email.subject)}" sandbox="allow-popups allow-popups-to-escape-sandbox" srcdoc="${escapeHtml(withoutOpenPixel(r.email.html))}"></iframe>
<details><summary>Plain text</summary><pre>${escapeHtml(r.email.text)}</pre></details></section>`;
}

/** The whole /_dev/outbox page: a list (newest first) followed by a preview of each email. */
export function outboxPage(
  records: readonly OutboxRecord[],
  opts: { jsonHref?: string; title?: string; back?: string } = {},
): string {
  const rows = records
    .map(
      (r) =>
        `<tr><td>${escapeHtml(fmtTime(r.at))}</td><td>${escapeHtml(r.email.to)}</td>` +
        `<td><a href="#${escapeHtml(r.id)}">${escapeHtml(r.email.subject)}</a></td>` +
        `<td>${escapeHtml(r.email.tags.find((t) => t.name === "trigger")?.value ?? "")}</td></tr>`,
    )
    .join("");
  const list = records.length
    ? `<div class="scroll"><table class="list"><thead><tr><th>Sent</th><th>To</th><th>Subject</th><th>Trigger</th></tr></thead><tbody>${rows}</tbody></table></div>`
    : `<p class="empty">No emails yet. Trigger one from the demo store (leave a cart) and reload.</p>`;
  const json = opts.jsonHref ?? "/_dev/outbox.json";
  const title = opts.title ?? "Nudge dev outbox";
  const link = (href: string, text: string) =>
    ` &middot; <a style="color:#93c5fd" href="${escapeHtml(href)}">${text}</a>`;
  return page(
    title,
    `<header><h1>${escapeHtml(title)}</h1><p>${records.length} email(s) captured because RESEND_API_KEY is not set${link(json, "JSON")}${opts.back ? link(opts.back, "Dashboard") : ""}</p></header>
<main>${list}${records.map(outboxPreviewSection).join("\n")}</main>`,
  );
}

/** A preview must not count as an open: the tracking pixel (an image on /o/) is left out. */
export function withoutOpenPixel(html: string): string {
  return html.replace(/<img\b[^>]*\/o\/[A-Za-z0-9_.-]+[^>]*>/gi, "");
}
