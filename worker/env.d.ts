// Bindings `wrangler types` cannot see because they are optional (commented out in
// wrangler.toml). Merged into the generated global `Env`.

interface Env {
  /** Workers Analytics Engine dataset: one data point per StatEvent when bound (production). */
  NUDGE_ANALYTICS?: AnalyticsEngineDataset;
  /** Shopify's webhook signing secret (POST /webhooks/shopify/:site). */
  SHOPIFY_WEBHOOK_SECRET?: string;
  /** The secret of the store's WooCommerce webhooks (POST /webhooks/woocommerce/:site). */
  WOOCOMMERCE_WEBHOOK_SECRET?: string;
  /** The signing secret (`whsec_…`) of the Stripe webhook endpoint (POST /webhooks/stripe/:site). */
  STRIPE_WEBHOOK_SECRET?: string;
}
