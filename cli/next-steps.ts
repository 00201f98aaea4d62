// What `nudge init` prints at the end: the tag to paste, the webhooks to create and the commands
// to run next, for the worker's address as far as it is known. Pure; used by init.ts and deploy.ts.
import { STATE_DIR, type DeployState } from "./deploy-config.ts";

/** Where the worker answers: the public URL, else the URL the last deploy printed, else the
 * workers.dev address with the account's subdomain left to fill in. */
export function workerBase(state: DeployState): string {
  return state.publicUrl ?? state.workerUrl ?? `https://${state.name}.<your-subdomain>.workers.dev`;
}

/** What init prints at the end: the tag, the webhooks, the next commands. Pure. */
export function nextSteps(state: DeployState): string[] {
  const base = workerBase(state);
  const site = state.site ?? "<site>";
  const known = state.publicUrl !== undefined || state.workerUrl !== undefined;
  return [
    "",
    "Next:",
    "  1. Deploy the worker (and after every `git pull`):",
    "       npx nudge deploy",
    ...(known ? [] : ["     It prints the worker's workers.dev address, used below."]),
    "  2. Paste the tag into every page's <head> (docs/install/ has the guides per platform):",
    "       <script>",
    "         window.nudge = window.nudge || function () { (nudge.q = nudge.q || []).push(arguments); };",
    "       </script>",
    `       <script async src="${base}/nudge.js" data-site="${site}"></script>`,
    `     On Shopify or WooCommerce: src="${base}/nudge.js?platform=shopify" (or =woocommerce).`,
    "  3. Send real email (docs/deploy.md: the sending domain's DNS records in Resend), then:",
    "       npx wrangler secret put RESEND_API_KEY --config wrangler.deploy.toml",
    `     In Resend, add a webhook to ${base}/webhooks/resend (email.delivered, email.bounced,`,
    "     email.complained; optionally email.opened, email.clicked), then its signing secret:",
    "       npx wrangler secret put RESEND_WEBHOOK_SECRET --config wrangler.deploy.toml",
    "  4. Orders from the store's platform (optional), signed with the matching secret:",
    `       ${base}/webhooks/shopify/${site}       SHOPIFY_WEBHOOK_SECRET`,
    `       ${base}/webhooks/woocommerce/${site}   WOOCOMMERCE_WEBHOOK_SECRET`,
    `       ${base}/webhooks/stripe/${site}        STRIPE_WEBHOOK_SECRET`,
    `  5. The dashboard: ${base}/admin (sign in with ADMIN_TOKEN). Edit the site's config in`,
    `     ${STATE_DIR}/site-${site}.json (or your own copy) and publish it: npx nudge push FILE`,
    "  More: docs/deploy.md",
  ];
}
