// Crude HTML → plain text, used only when a site overrides the HTML part without a text part.
// Pure; links become "label (url)" so the text rewriter can track them.
import { decodeEntities } from "../lib/html.ts";

export function htmlToText(html: string): string {
  return decodeEntities(
    html
      .replace(/<(head|style|script|title)\b[\s\S]*?<\/\1>/gi, "")
      .replace(
        /<a\b[^>]*\bhref\s*=\s*("([^"]*)"|'([^']*)')[^>]*>([\s\S]*?)<\/a>/gi,
        (_m, _q, d, s, label: string) => {
          const text = label.replace(/<[^>]+>/g, "").trim();
          const url = (d ?? s ?? "") as string;
          return text && text !== url ? `${text} (${url})` : url;
        },
      )
      .replace(/<br\s*\/?>/gi, "\n")
      .replace(/<\/(p|div|tr|h[1-6]|li|table)>/gi, "\n")
      .replace(/<[^>]+>/g, ""),
  )
    .replace(/[ \t\u00a0]+/g, " ")
    .replace(/ *\n */g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
