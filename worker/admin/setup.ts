// The admin side of the setup report (worker/config/setup.ts): the stored sites and their
// platforms, read from KV, then the pure report. Used by the dashboard (its "Not configured yet"
// section) and GET /admin/api/setup.
import { loadSiteConfig } from "../config/load.ts";
import { setupReport, type SetupItem, type SiteSetup } from "../config/setup.ts";

/** Site ids with a stored config (first 100), sorted. */
export async function knownSites(kv: KVNamespace): Promise<string[]> {
  const list = await kv.list({ prefix: "site:", limit: 100 });
  return list.keys.map((k) => k.name.slice("site:".length)).sort();
}

/** What this deployment has not configured yet, with the platforms of `sites` checked. */
export async function deploymentSetup(env: Env, sites: readonly string[]): Promise<SetupItem[]> {
  const allPlatformSecrets =
    env.SHOPIFY_WEBHOOK_SECRET && env.WOOCOMMERCE_WEBHOOK_SECRET && env.STRIPE_WEBHOOK_SECRET;
  // The configs are read only when a platform secret is missing (they are cached per isolate).
  const withPlatforms: SiteSetup[] = allPlatformSecrets
    ? []
    : await Promise.all(
        sites.map(async (site) => {
          const cfg = await loadSiteConfig(env.NUDGE_CONFIG, site);
          return { site, platform: cfg.ok ? cfg.config.platform : undefined };
        }),
      );
  return setupReport(env, withPlatforms);
}
