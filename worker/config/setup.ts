// The setup report: what this deployment has not configured yet (secrets and vars), each with
// what it costs and the command that fixes it. Names only, never a value. Pure: the first
// request of an isolate logs it (setup-log.ts), /admin shows it and GET /admin/api/setup returns it.
import { SECRET_MIN_LENGTH, secretProblems } from "./secrets.ts";

/** error: the worker refuses to work; warning: a feature is off in production; info: expected
 * (a development default, or a feature the store may not use). */
export type SetupSeverity = "error" | "warning" | "info";

export interface SetupItem {
  /** The secret or var: `RESEND_API_KEY`, `PUBLIC_URL`, … */
  name: string;
  severity: SetupSeverity;
  problem: "missing" | "too_short" | "invalid";
  /** What the deployment does without it, in one line. */
  consequence: string;
  /** The command (or edit) that fixes it. */
  fix: string;
}

/** The env values the report reads; each may be absent (an optional secret never set). */
export type SetupEnv = { NUDGE_ENV?: string } & Partial<
  Record<
    | "ADMIN_TOKEN"
    | "NUDGE_SECRET"
    | "NUDGE_SERVER_KEY"
    | "RESEND_API_KEY"
    | "RESEND_WEBHOOK_SECRET"
    | "PUBLIC_URL"
    | PlatformSecret,
    string
  >
>;

/** A stored site config's id and platform (the platforms decide which webhook secrets matter). */
export interface SiteSetup {
  site: string;
  platform?: string | undefined;
}

type PlatformSecret =
  "SHOPIFY_WEBHOOK_SECRET" | "WOOCOMMERCE_WEBHOOK_SECRET" | "STRIPE_WEBHOOK_SECRET";

const PLATFORM_SECRETS: Record<string, { secret: PlatformSecret; name: string }> = {
  shopify: { secret: "SHOPIFY_WEBHOOK_SECRET", name: "Shopify" },
  woocommerce: { secret: "WOOCOMMERCE_WEBHOOK_SECRET", name: "WooCommerce" },
  stripe: { secret: "STRIPE_WEBHOOK_SECRET", name: "Stripe" },
};

const SEVERITY_ORDER: Record<SetupSeverity, number> = { error: 0, warning: 1, info: 2 };

const put = (name: string) => `npx wrangler secret put ${name}`;

const PUBLIC_URL_FIX = `# wrangler.toml, under [vars]: PUBLIC_URL = "https://<your worker>"
npx wrangler deploy`;

/** Everything not configured yet, errors first. `sites`: the stored site configs, when known
 * (without them the platform webhook secrets are not checked). */
export function setupReport(env: SetupEnv, sites: readonly SiteSetup[] = []): SetupItem[] {
  const production = env.NUDGE_ENV === "production";
  const items: SetupItem[] = secretProblems(env).map((p) => ({
    name: p.path,
    severity: "error",
    problem: (env[p.path as keyof SetupEnv] ?? "") === "" ? "missing" : "too_short",
    consequence: `every route but /nudge.js answers 503 misconfigured until it has at least ${SECRET_MIN_LENGTH} characters`,
    fix: put(p.path),
  }));

  if (!env.RESEND_API_KEY) {
    items.push({
      name: "RESEND_API_KEY",
      severity: production ? "warning" : "info",
      problem: "missing",
      consequence: "emails are not sent: they are kept in the outbox (visible at /admin/outbox)",
      fix: put("RESEND_API_KEY"),
    });
  }
  if (!env.RESEND_WEBHOOK_SECRET) {
    items.push({
      name: "RESEND_WEBHOOK_SECRET",
      severity: production && env.RESEND_API_KEY ? "warning" : "info",
      problem: "missing",
      consequence:
        "delivery, bounce, complaint and open events from Resend are refused (POST /webhooks/resend answers 503 not_configured): bounced and complaining addresses are not suppressed. The value is the whsec_… signing secret of the Resend webhook",
      fix: put("RESEND_WEBHOOK_SECRET"),
    });
  }
  if (!env.NUDGE_SERVER_KEY) {
    items.push({
      name: "NUDGE_SERVER_KEY",
      severity: "info",
      problem: "missing",
      consequence:
        "/v1/events, /v1/catalog and /v1/coupons refuse every call (401): no verified purchases, catalog or coupon codes from the store's backend",
      fix: `npx nudge key\n${put("NUDGE_SERVER_KEY")}`,
    });
  }
  for (const [platform, p] of Object.entries(PLATFORM_SECRETS)) {
    const using = sites.filter((s) => s.platform === platform).map((s) => s.site);
    if (using.length === 0 || env[p.secret]) continue;
    items.push({
      name: p.secret,
      severity: "warning",
      problem: "missing",
      consequence: `${p.name}'s webhooks are refused (POST /webhooks/${platform}/<site> answers 401) for ${using.join(", ")}: no verified orders or checkouts from ${p.name}`,
      fix: put(p.secret),
    });
  }
  const publicUrl = env.PUBLIC_URL ?? "";
  if (publicUrl && !isHttpUrl(publicUrl)) {
    items.push({
      name: "PUBLIC_URL",
      severity: "error",
      problem: "invalid",
      consequence:
        "links in emails are built on it: it must be an absolute http(s) URL such as https://nudge.example.com",
      fix: PUBLIC_URL_FIX,
    });
  } else if (!publicUrl && production) {
    items.push({
      name: "PUBLIC_URL",
      severity: "warning",
      problem: "missing",
      consequence:
        "links in emails use the origin a visitor's events reached the worker on; with none remembered they point at http://127.0.0.1:8787 (logged as send.no_public_origin)",
      fix: PUBLIC_URL_FIX,
    });
  }
  return items.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
}

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === "https:" || u.protocol === "http:") && !u.search && !u.hash;
  } catch {
    return false;
  }
}
