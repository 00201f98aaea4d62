// Pure HTML for GET /u/:token (a choice: stop the kind of email the link came in, or all marketing
// email; GET never unsubscribes, link scanners prefetch), for the result of the form POST (saying
// what was stopped, with the way back: resubscribe), and for the resubscribed page.
// The pages carry the shop's name, brand colour, postal address and a link back to the shop.
// RFC 8058 one-click POSTs get a plain 200 from the route.
import { escapeHtml } from "../lib/html.ts";

/** What our pages show of the shop (from the site config; absent when it cannot be read). */
export interface PageBrand {
  name: string;
  /** `#rgb` or `#rrggbb` (validated by the config schema). */
  color: string | null;
  url: string | null;
  postalAddress: string | null;
}

/** What an unsubscribe stops: the kind of email the link came in, or all marketing email. The
 * form's `scope` field carries it ("kind" | "all"). */
export type UnsubscribeScope = "kind" | "all";

export type UnsubscribeView =
  | {
      state: "confirm";
      brand: PageBrand;
      /** form action, usually the same /u/:token URL */ action: string;
      /** What the page calls the kind of email the link came in ("cart reminders"); null for a
       * link that names no kind (only "everything" is offered). */
      label: string | null;
    }
  | {
      state: "done";
      brand: PageBrand;
      action: string;
      scope: UnsubscribeScope;
      label: string | null;
    }
  | { state: "resubscribed"; brand: PageBrand; scope: UnsubscribeScope; label: string | null }
  | { state: "invalid" };

const STYLE =
  "body{margin:0;background:#f3f4f6;font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#111827}" +
  "main{max-width:440px;margin:12vh auto 24px;background:#fff;border-radius:8px;padding:32px;text-align:center}" +
  "h1{font-size:22px;margin:0 0 12px}p{color:#4b5563;margin:0 0 20px}" +
  "button{font:inherit;font-weight:600;color:#fff;background:var(--brand,#111827);border:0;border-radius:6px;padding:12px 24px;cursor:pointer}" +
  "button.quiet{color:#111827;background:#e5e7eb}a{color:inherit}" +
  "form.choices{display:flex;flex-direction:column;gap:12px}form.choices button{width:100%}" +
  "footer{max-width:440px;margin:0 auto 12vh;text-align:center;color:#6b7280;font-size:13px}" +
  "@media (max-width:480px){main{margin:16px;padding:24px}footer{margin:0 16px 24px}button{width:100%}}";

const HEX = /^#(?:[0-9a-f]{3}){1,2}$/i;

/** The page frame our own pages share (unsubscribe, confirm): centred card, no tracking. */
export function pageShell(title: string, body: string, brand?: PageBrand): string {
  const color = brand?.color && HEX.test(brand.color) ? `:root{--brand:${brand.color}}` : "";
  const footer = brand
    ? `<footer>${escapeHtml(brand.name)}${brand.postalAddress ? ` · ${escapeHtml(brand.postalAddress)}` : ""}` +
      (brand.url
        ? `<br><a href="${escapeHtml(brand.url)}">Back to ${escapeHtml(brand.name)}</a>`
        : "") +
      `</footer>`
    : "";
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}${color}</style></head><body><main>${body}</main>${footer}</body></html>`;
}

const choice = (scope: UnsubscribeScope, text: string, quiet = false) =>
  `<button type="submit" name="scope" value="${scope}"${quiet ? ' class="quiet"' : ""}>${escapeHtml(text)}</button>`;

const form = (action: string, inner: string, cls = "") =>
  `<form method="post" action="${escapeHtml(action)}"${cls ? ` class="${cls}"` : ""}>${inner}</form>`;

export function unsubscribePage(v: UnsubscribeView): string {
  if (v.state === "invalid")
    return pageShell(
      "Unsubscribe",
      `<h1>This link is not valid</h1><p>It may have been altered. Use the unsubscribe link in the latest email you received.</p>`,
    );
  const name = escapeHtml(v.brand.name);
  const kind = v.label === null ? null : escapeHtml(v.label);
  let body: string;
  if (v.state === "confirm") {
    body =
      kind === null
        ? `<h1>Unsubscribe from ${name}?</h1><p>You will stop receiving marketing email from ${name}. Order and account emails still reach you.</p>` +
          form(v.action, choice("all", "Unsubscribe"), "choices")
        : `<h1>What should ${name} stop sending?</h1><p>This email was one of ${name}\u2019s ${kind}. You can stop just those, or all marketing email. Order and account emails still reach you.</p>` +
          form(
            v.action,
            choice("kind", `Stop ${v.label}`) +
              choice("all", "Unsubscribe from all marketing email", true),
            "choices",
          );
  } else if (v.state === "done") {
    const kindOnly = v.scope === "kind" && kind !== null;
    const back =
      `<input type="hidden" name="action" value="resubscribe">` +
      choice(v.scope, kindOnly ? `Get ${v.label} again` : "Subscribe again", true);
    body = kindOnly
      ? `<h1>You will not get ${kind} any more</h1><p>Other emails from ${name} still reach you.</p>` +
        `<p>Stopped them by mistake?</p>` +
        form(v.action, back, "choices")
      : `<h1>You are unsubscribed</h1><p>${name} will not send you marketing email any more.</p>` +
        `<p>Unsubscribed by mistake?</p>` +
        form(v.action, back, "choices");
  } else {
    body =
      v.scope === "kind" && kind !== null
        ? `<h1>You will get ${kind} again</h1><p>Every one of them has an unsubscribe link.</p>`
        : `<h1>You are subscribed again</h1><p>${name} will send you its emails again. Every one of them has an unsubscribe link.</p>`;
  }
  return pageShell(`Unsubscribe from ${v.brand.name}`, body, v.brand);
}
