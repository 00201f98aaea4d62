// End to end on the real stack: the demo store's product page loads /nudge.js from the worker
// (wrangler dev), and its events land in that visitor's Durable Object.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, launchChromium, visitorIdOf } from "./support/chromium.ts";
import { startStack, waitFor, type Stack } from "./support/stack.ts";
import { printStackLogsOnFailure } from "./support/stack-logs.ts";

interface VisitorBody {
  profile: {
    pageViews: number;
    tz: string | null;
    products: { id: string; name: string; price: number; currency: string }[];
    cart: { count: number; value: number };
  };
}

describe.skipIf(!hasChromium)("demo store → worker → Visitor object", () => {
  let stack: Stack;
  let browser: Browser;
  printStackLogsOnFailure(() => ({ stack }));

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it("records the product page's view, product and cart in the Visitor object", async () => {
    const ctx = await browser.newContext({ timezoneId: "Europe/Berlin" });
    const page = await ctx.newPage();
    await page.goto(`${stack.demo}/p/tote-canvas`);
    const vid = await visitorIdOf(page);
    await page.click("#add-to-cart");
    const body = await waitFor(async () => {
      const res = await stack.admin(`/admin/api/visitors/demo/${vid}`);
      if (res.status !== 200) return null;
      const b = (await res.json()) as VisitorBody;
      return b.profile.products.length > 0 && b.profile.cart.count > 0 ? b : null;
    }, "the visitor's product view and cart in the Visitor object");
    expect(body.profile.pageViews).toBeGreaterThanOrEqual(1);
    expect(body.profile.tz).toBe("Europe/Berlin");
    expect(body.profile.products[0]).toMatchObject({
      id: "tote-canvas",
      name: "Waxed Canvas Tote",
      price: 45,
      currency: "EUR",
    });
    expect(body.profile.cart).toMatchObject({ count: 1, value: 45 });
    await ctx.close();
  });
});
