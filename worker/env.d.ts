// Bindings `wrangler types` cannot see because they are optional (commented out in
// wrangler.toml, or secrets it does not require). Merged into the generated global `Env`.

interface Env {
  /** Resend's API key; absent or empty: email goes to the dev outbox. */
  RESEND_API_KEY?: string;
  /** The Resend webhook's signing secret (`whsec_…`); absent: POST /webhooks/resend refuses all. */
  RESEND_WEBHOOK_SECRET?: string;
  /** Bearer key of the store's backend (/v1/*); absent or empty: those routes refuse all. */
  NUDGE_SERVER_KEY?: string;
  /** Workers Analytics Engine dataset: one data point per StatEvent when bound (production). */
  NUDGE_ANALYTICS?: AnalyticsEngineDataset;
  /** Shopify's webhook signing secret (POST /webhooks/shopify/:site). */
  SHOPIFY_WEBHOOK_SECRET?: string;
  /** The secret of the store's WooCommerce webhooks (POST /webhooks/woocommerce/:site). */
  WOOCOMMERCE_WEBHOOK_SECRET?: string;
  /** The signing secret (`whsec_…`) of the Stripe webhook endpoint (POST /webhooks/stripe/:site). */
  STRIPE_WEBHOOK_SECRET?: string;
}
