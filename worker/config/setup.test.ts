// The setup report: what a deployment has not configured yet, with its consequence and fix, by
// name only. A first production deploy with just ADMIN_TOKEN and NUDGE_SECRET must work and say
// what is missing; short secrets stay blocking.
import { describe, expect, it } from "vitest";
import { setupReport, type SetupEnv } from "./setup.ts";

const LONG_A = "a".repeat(40);
const LONG_B = "b".repeat(40);
const KEY = "k".repeat(40);

/** A first production deploy: only the two required secrets. */
const FIRST_DEPLOY: SetupEnv = {
  NUDGE_ENV: "production",
  ADMIN_TOKEN: LONG_A,
  NUDGE_SECRET: LONG_B,
  PUBLIC_URL: "",
};

/** Everything set. */
const COMPLETE: SetupEnv = {
  ...FIRST_DEPLOY,
  RESEND_API_KEY: "re_live_key",
  RESEND_WEBHOOK_SECRET: "whsec_c2VjcmV0",
  NUDGE_SERVER_KEY: KEY,
  PUBLIC_URL: "https://nudge.example.com",
};

const names = (env: SetupEnv, sites?: Parameters<typeof setupReport>[1]) =>
  setupReport(env, sites).map((i) => `${i.name}:${i.severity}`);

describe("setupReport", () => {
  it("a first production deploy lists each optional secret and PUBLIC_URL, nothing blocking", () => {
    const items = setupReport(FIRST_DEPLOY);
    expect(items.map((i) => `${i.name}:${i.severity}:${i.problem}`)).toEqual([
      "RESEND_API_KEY:warning:missing",
      "PUBLIC_URL:warning:missing",
      // Without a Resend key no real email goes out, so its webhooks do not matter yet.
      "RESEND_WEBHOOK_SECRET:info:missing",
      "NUDGE_SERVER_KEY:info:missing",
    ]);
    const byName = Object.fromEntries(items.map((i) => [i.name, i]));
    expect(byName.RESEND_API_KEY).toMatchObject({
      consequence: "emails are not sent: they are kept in the outbox (visible at /admin/outbox)",
      fix: "npx wrangler secret put RESEND_API_KEY",
    });
    expect(byName.RESEND_WEBHOOK_SECRET?.consequence).toContain("503 not_configured");
    expect(byName.NUDGE_SERVER_KEY?.consequence).toContain(
      "/v1/events, /v1/catalog and /v1/coupons refuse every call",
    );
    expect(byName.PUBLIC_URL?.consequence).toContain("http://127.0.0.1:8787");
    expect(items.every((i) => i.fix.length > 0 && i.consequence.length > 0)).toBe(true);
  });

  it("a complete deployment has nothing to report", () => {
    expect(setupReport(COMPLETE, [{ site: "shop", platform: "custom" }])).toEqual([]);
  });

  it("the webhook secret is a warning once email really goes out", () => {
    const { RESEND_WEBHOOK_SECRET: _, ...env } = COMPLETE;
    expect(names(env)).toEqual(["RESEND_WEBHOOK_SECRET:warning"]);
  });

  it("short or missing required secrets are errors, listed first, and never show a value", () => {
    const env = { ...COMPLETE, ADMIN_TOKEN: "short-token", NUDGE_SECRET: "", RESEND_API_KEY: "" };
    const items = setupReport(env);
    expect(items.map((i) => `${i.name}:${i.severity}:${i.problem}`)).toEqual([
      "ADMIN_TOKEN:error:too_short",
      "NUDGE_SECRET:error:missing",
      "RESEND_API_KEY:warning:missing",
    ]);
    expect(items[0]?.consequence).toContain("503 misconfigured");
    expect(JSON.stringify(items)).not.toContain("short-token");
    const short = setupReport({ ...COMPLETE, NUDGE_SERVER_KEY: "tiny-key" });
    expect(short.map((i) => i.name)).toEqual(["NUDGE_SERVER_KEY"]);
    expect(JSON.stringify(short)).not.toContain("tiny-key");
    expect(JSON.stringify(setupReport(COMPLETE))).not.toContain(KEY);
  });

  it("a platform webhook secret matters only for a platform a site names", () => {
    const sites = [
      { site: "a", platform: "shopify" },
      { site: "b", platform: "shopify" },
      { site: "c", platform: "woocommerce" },
      { site: "d" },
    ];
    const items = setupReport({ ...COMPLETE, WOOCOMMERCE_WEBHOOK_SECRET: "woo" }, sites);
    expect(items.map((i) => i.name)).toEqual(["SHOPIFY_WEBHOOK_SECRET"]);
    expect(items[0]).toMatchObject({
      severity: "warning",
      fix: "npx wrangler secret put SHOPIFY_WEBHOOK_SECRET",
    });
    expect(items[0]?.consequence).toContain("for a, b");
    // No site names Stripe, and without the site configs nothing is said about platforms.
    expect(names(COMPLETE, [{ site: "x", platform: "stripe" }])).toEqual([
      "STRIPE_WEBHOOK_SECRET:warning",
    ]);
    expect(names(COMPLETE)).toEqual([]);
  });

  it("development: the outbox is expected, PUBLIC_URL may be empty, secrets are not checked", () => {
    const dev: SetupEnv = { NUDGE_ENV: "development", ADMIN_TOKEN: "dev", NUDGE_SECRET: "dev" };
    expect(names(dev)).toEqual([
      "RESEND_API_KEY:info",
      "RESEND_WEBHOOK_SECRET:info",
      "NUDGE_SERVER_KEY:info",
    ]);
  });

  it("a PUBLIC_URL that is not an absolute http(s) URL is an error in any environment", () => {
    for (const bad of ["nudge.example.com", "ftp://x.example", "https://x.example/?a=1"]) {
      expect(names({ ...COMPLETE, PUBLIC_URL: bad })).toEqual(["PUBLIC_URL:error"]);
      expect(names({ ...COMPLETE, NUDGE_ENV: "development", PUBLIC_URL: bad })).toEqual([
        "PUBLIC_URL:error",
      ]);
    }
    expect(names({ ...COMPLETE, PUBLIC_URL: "https://shop.example/nudge" })).toEqual([]);
  });
});
