// Pure HTML for GET /u/:token (a confirm button; GET never unsubscribes, link scanners prefetch)
// and for the result of the form POST. RFC 8058 one-click POSTs get a plain 200 from the route.
import { escapeHtml } from "../lib/html.ts";

export type UnsubscribeView =
  | {
      state: "confirm";
      siteName: string;
      /** form action, usually the same /u/:token URL */ action: string;
    }
  | { state: "done"; siteName: string }
  | { state: "invalid" };

const STYLE =
  "body{margin:0;background:#f3f4f6;font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#111827}" +
  "main{max-width:440px;margin:12vh auto;background:#fff;border-radius:8px;padding:32px;text-align:center}" +
  "h1{font-size:22px;margin:0 0 12px}p{color:#4b5563;margin:0 0 20px}" +
  "button{font:inherit;font-weight:600;color:#fff;background:#111827;border:0;border-radius:6px;padding:12px 24px;cursor:pointer}";

/** The page frame our own pages share (unsubscribe, confirm): centred card, no tracking. */
export function pageShell(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

export function unsubscribePage(v: UnsubscribeView): string {
  const body =
    v.state === "confirm"
      ? `<h1>Unsubscribe from ${escapeHtml(v.siteName)}?</h1><p>You will stop receiving marketing email from ${escapeHtml(v.siteName)}.</p>` +
        `<form method="post" action="${escapeHtml(v.action)}"><input type="hidden" name="List-Unsubscribe" value="One-Click">` +
        `<button type="submit">Unsubscribe</button></form>`
      : v.state === "done"
        ? `<h1>You are unsubscribed</h1><p>${escapeHtml(v.siteName)} will not send you marketing email any more.</p>`
        : `<h1>This link is not valid</h1><p>It may have been altered. Use the unsubscribe link in the latest email you received.</p>`;
  return pageShell("Unsubscribe", body);
}
