// Three test layers: pure modules in Node, the worker in workerd (cloudflareTest), and
// Chromium end-to-end tests driving `wrangler dev` and the demo store.
//
// A passing run is quiet: console output of a test is printed only when that test fails, and the
// runtime's expected chatter is held back (test/support/runtime-noise-reporter.ts). With
// NUDGE_TEST_VERBOSE=1 everything is printed as it comes, including `wrangler dev` output of the
// browser tests' stacks (test/browser/support/stack.ts).
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

const verbose = process.env.NUDGE_TEST_VERBOSE === "1";

export default defineConfig({
  test: {
    silent: verbose ? false : "passed-only",
    reporters: ["./test/support/runtime-noise-reporter.ts", "default"],
    projects: [
      {
        test: {
          name: "node",
          environment: "node",
          include: [
            "worker/**/*.test.ts",
            "snippet/**/*.test.ts",
            "templates/**/*.test.ts",
            "test/node/**/*.test.ts",
          ],
        },
      },
      {
        plugins: [
          cloudflareTest({
            main: "./worker/index.ts",
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                NUDGE_ENV: "test",
                ADMIN_TOKEN: "test-admin-token",
                NUDGE_SECRET: "test-nudge-secret-0123456789abcdef",
                RESEND_WEBHOOK_SECRET: "whsec_dGVzdC13ZWJob29rLXNlY3JldA==",
                NUDGE_SERVER_KEY: "test-server-key-0123456789abcdef0123",
                SHOPIFY_WEBHOOK_SECRET: "test-shopify-secret",
                WOOCOMMERCE_WEBHOOK_SECRET: "test-woo-secret",
                STRIPE_WEBHOOK_SECRET: "whsec_test_stripe_secret",
                RESEND_API_KEY: "",
              },
            },
          }),
        ],
        test: { name: "workers", include: ["test/workers/**/*.test.ts"] },
      },
      {
        test: {
          name: "browser",
          environment: "node",
          include: ["test/browser/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
