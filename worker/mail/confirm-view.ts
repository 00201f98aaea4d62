// Pure HTML for GET /v/:token (double opt-in: a confirm button; GET alone never confirms, since
// mail scanners prefetch links) and for the result of the button's POST.
import { escapeHtml } from "../lib/html.ts";
import { pageShell } from "./unsubscribe-view.ts";

export type ConfirmView =
  | {
      state: "confirm";
      siteName: string;
      /** form action, the same /v/:token URL */ action: string;
    }
  | { state: "done"; siteName: string; shopUrl: string | null }
  | { state: "gone" };

export function confirmPage(v: ConfirmView): string {
  if (v.state === "gone")
    return pageShell(
      "Confirm your email",
      `<h1>This link no longer works</h1><p>There is nothing to confirm for it any more. If you still want our emails, sign up again on the shop's site.</p>`,
    );
  const name = escapeHtml(v.siteName);
  if (v.state === "confirm")
    return pageShell(
      `Confirm your email for ${v.siteName}`,
      `<h1>Confirm your email</h1><p>Press the button to confirm that you want emails from ${name}. You can unsubscribe from any of them at any time.</p>` +
        `<form method="post" action="${escapeHtml(v.action)}"><button type="submit">Yes, confirm</button></form>`,
    );
  const back = v.shopUrl
    ? `<p><a href="${escapeHtml(v.shopUrl)}" style="color:#111827">Back to ${name}</a></p>`
    : "";
  return pageShell(
    "Email confirmed",
    `<h1>Thank you, you are confirmed</h1><p>${name} can now email you.</p>${back}`,
  );
}
