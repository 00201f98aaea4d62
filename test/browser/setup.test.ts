// A first production deploy on the real stack (wrangler dev with NUDGE_ENV=production and only
// ADMIN_TOKEN and NUDGE_SECRET set, a site on Shopify): it serves, logs what is not configured
// once, and the dashboard shows "Not configured yet" with each consequence and fix; the outbox
// link opens the kept email behind the sign-in. Screenshots at 375 and 1280 px go to
// bench/.tmp/screens/ for a human look.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import demoConfig from "../../demo/site-config.json" with { type: "json" };
import { hasChromium, launchChromium } from "./support/chromium.ts";
import { startStack, type Stack } from "./support/stack.ts";
import { printStackLogsOnFailure } from "./support/stack-logs.ts";

const OUT = new URL("../../bench/.tmp/screens/", import.meta.url).pathname;
const TOKEN = "first-deploy-admin-token-0123456789abcdef";

describe.skipIf(!hasChromium)("a first production deploy", () => {
  let stack: Stack;
  let browser: Browser;
  printStackLogsOnFailure(() => ({ stack }));

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    // The cart email goes out at once, so the outbox has one to show.
    const triggers = demoConfig.triggers.map((t) =>
      t.id === "cart-abandoned"
        ? { ...t, steps: t.steps.slice(0, 1).map((s) => ({ ...s, wait: "0s" })) }
        : t,
    );
    [stack, browser] = await Promise.all([
      startStack({
        config: { platform: "shopify", triggers },
        vars: {
          NUDGE_ENV: "production",
          ADMIN_TOKEN: TOKEN,
          NUDGE_SECRET: "first-deploy-nudge-secret-0123456789abcdef",
          RESEND_API_KEY: "",
          RESEND_WEBHOOK_SECRET: "",
          NUDGE_SERVER_KEY: "",
          SHOPIFY_WEBHOOK_SECRET: "",
          PUBLIC_URL: "",
        },
      }),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  async function shoot(page: Page, name: string) {
    for (const width of [375, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - window.innerWidth,
      );
      expect(overflow, `${name} overflows horizontally at ${width}px`).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(OUT, `${name}-${width}.png`), fullPage: true });
      // What a phone shows first, at full resolution.
      if (width === 375) await page.screenshot({ path: join(OUT, `${name}-${width}-top.png`) });
    }
  }

  it("serves, says what is missing, and shows the kept email behind the sign-in", async () => {
    // A shopper leaves a cart: with no Resend key the email is kept in the outbox.
    const email = `first.${Date.now()}@example.com`;
    const vid = `vfirstdeploy${Date.now().toString(36)}`.padEnd(20, "x");
    const ingest = await fetch(`${stack.worker}/e`, {
      method: "POST",
      headers: { "content-type": "text/plain", origin: stack.demo },
      body: JSON.stringify({
        site: "demo",
        vid,
        events: [
          { id: crypto.randomUUID().replaceAll("-", ""), name: "identify", data: { email } },
          {
            id: crypto.randomUUID().replaceAll("-", ""),
            name: "cart",
            data: { items: [{ id: "mug", name: "Mug", price: 12, quantity: 1 }], currency: "EUR" },
          },
        ],
      }),
    });
    expect(ingest.status, await ingest.clone().text()).toBe(202);
    const bearer = { authorization: `Bearer ${TOKEN}` };
    await expect
      .poll(
        async () => {
          const res = await fetch(`${stack.worker}/admin/outbox.json`, { headers: bearer });
          return ((await res.json()) as { emails: { to: string }[] }).emails.map((e) => e.to);
        },
        { timeout: 20_000, interval: 250 },
      )
      .toContain(email);

    // Resend's webhooks are refused plainly, not with a 500.
    const hook = await fetch(`${stack.worker}/webhooks/resend`, { method: "POST", body: "{}" });
    expect(hook.status).toBe(503);
    expect(await hook.json()).toMatchObject({ error: "not_configured" });

    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    expect((await page.goto(`${stack.worker}/admin?site=demo`))?.status()).toBe(401);
    await page.fill("#token", TOKEN);
    await Promise.all([page.waitForURL("**/admin?site=demo"), page.click("button[type=submit]")]);
    const setup = page.locator("#setup");
    expect(await setup.locator("h2").textContent()).toContain("Not configured yet");
    const names = await setup.locator(".setup-head code").allTextContents();
    expect(names).toEqual([
      "RESEND_API_KEY",
      "SHOPIFY_WEBHOOK_SECRET",
      "PUBLIC_URL",
      "RESEND_WEBHOOK_SECRET",
      "NUDGE_SERVER_KEY",
    ]);
    expect(await setup.locator(".fix").allTextContents()).toContain(
      "npx wrangler secret put SHOPIFY_WEBHOOK_SECRET",
    );
    expect(await page.content()).not.toContain(TOKEN);
    await shoot(page, "setup-dashboard");

    await Promise.all([
      page.waitForURL("**/admin/outbox"),
      setup.locator("a[href='/admin/outbox']").click(),
    ]);
    expect(await page.locator("header h1").textContent()).toBe("Nudge outbox");
    expect(await page.locator("table.list").textContent()).toContain(email);
    // The preview renders under the admin page's CSP.
    const preview = page.frameLocator("section iframe").first();
    await expect.poll(() => preview.locator("body").textContent()).toMatch(/\S/);
    await shoot(page, "setup-outbox");

    // One config.unconfigured line for the isolate, names only.
    const lines = stack.logs.filter((l) => l.includes('"config.unconfigured"'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('"level":"warn"');
    expect(lines[0]).toContain("RESEND_API_KEY,PUBLIC_URL,RESEND_WEBHOOK_SECRET,NUDGE_SERVER_KEY");
    expect(lines[0]).not.toContain(TOKEN);
    await ctx.close();
  });
});
