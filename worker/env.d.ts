// Bindings `wrangler types` cannot see because they are optional (commented out in
// wrangler.toml). Merged into the generated global `Env`.

interface Env {
  /** Workers Analytics Engine dataset: one data point per StatEvent when bound (production). */
  NUDGE_ANALYTICS?: AnalyticsEngineDataset;
}
