// The snippet in Chromium, delivery and consent: batching as text/plain, beacon on leaving,
// offline then online, 503 and dropped connections (each event arrives once), consent required,
// refused, and Global Privacy Control. Every body is validated by the worker's BatchSchema.
import { execFileSync } from "node:child_process";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { hasChromium, launchChromium } from "./support/chromium.ts";
import { startCollector, type Collector } from "./support/collector.ts";

declare global {
  interface Window {
    nudge: ((...a: unknown[]) => void) & { l?: number };
  }
}

let browser: Browser;
let c: Collector;
let ctx: BrowserContext;
let seq = 0;
const newSite = () => `del-${Date.now().toString(36)}-${seq++}`;
const names = (evs: { name: string }[]) => evs.map((e) => e.name);

/** Polls until the injected failures are spent (bounded). */
async function failuresSpent(): Promise<void> {
  const deadline = Date.now() + 5000;
  while (c.failuresLeft() > 0) {
    if (Date.now() > deadline) throw new Error("the injected failure was never hit");
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function open(site: string, fixture: string, init?: () => void): Promise<Page> {
  ctx = await browser.newContext();
  if (init) await ctx.addInitScript(init);
  const page = await ctx.newPage();
  await page.goto(c.page(fixture, site));
  return page;
}

/** Waits `ms` (short and bounded) and returns how many events of `site` arrived meanwhile. */
async function quiet(site: string, ms = 600): Promise<number> {
  const before = c.events(site).length;
  await new Promise((r) => setTimeout(r, ms));
  return c.events(site).length - before;
}

/** Every event id of `site` arrived exactly once. */
function once(site: string): void {
  const ids = c.events(site).map((x) => x.event.id);
  expect(ids.length).toBe(new Set(ids).size);
}

const storedKeys = (page: Page) =>
  page.evaluate(() =>
    Object.keys(localStorage)
      .filter((k) => k.startsWith("nudge_"))
      .sort(),
  );

describe.skipIf(!hasChromium)("snippet: delivery and consent (Chromium)", () => {
  beforeAll(async () => {
    execFileSync("node", ["scripts/build-snippet.mjs"]);
    [browser, c] = await Promise.all([launchChromium(), startCollector()]);
  });
  let seen = 0;
  beforeEach(() => {
    seen = c.received.length;
  });
  afterEach(async () => {
    await ctx?.close();
    expect(c.received.slice(seen).filter((r) => r.issues)).toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
    await c?.close();
  });

  it("batches calls made together into one text/plain POST", async () => {
    const site = newSite();
    const page = await open(site, "plain");
    await c.waitFor(site, "the page view", (e) => e.length === 1);
    await page.evaluate(() => {
      window.nudge("identify", { email: "b@example.com" });
      window.nudge("product", { id: "p1", name: "P", price: 9.5, currency: "eur" });
      window.nudge("cart", {
        currency: "EUR",
        items: [{ id: "p1", name: "P", price: 9.5, quantity: 1 }],
      });
      window.nudge("purchase", { order_id: "o1", value: 9.5, currency: "EUR" });
      window.nudge("notify", { product: "p2", email: "b@example.com" });
    });
    const evs = await c.waitFor(site, "five more", (e) => e.length === 6);
    expect(evs.at(-1)).toMatchObject({ name: "notify", data: { product: "p2" } });
    const posts = c.received.filter((r) => r.batch?.site === site);
    expect(posts.map((r) => r.batch!.events.length)).toEqual([1, 5]);
    expect(posts.every((r) => r.contentType.startsWith("text/plain"))).toBe(true);
  });

  it("keeps each body within the 64 KiB a keepalive request carries, and drops an event too big to go alone", async () => {
    const site = newSite();
    const page = await open(site, "plain");
    await c.waitFor(site, "the page view", (e) => e.length === 1);
    await page.evaluate(() => {
      /** A schema.org Product of about 28 kB (a long description). */
      const ld = (sku: string) =>
        JSON.stringify({
          "@context": "https://schema.org",
          "@type": "Product",
          sku,
          name: "Long " + sku,
          description: "d".repeat(28_000),
          offers: { "@type": "Offer", price: "9.50", priceCurrency: "EUR" },
        });
      window.nudge("product", { ld: [ld("a")] });
      window.nudge("product", { ld: [ld("b")] });
      window.nudge("product", { ld: [ld("c1"), ld("c2"), ld("c3")] }); // 84 kB: never fits
      window.nudge("track", "after_the_big_ones");
    });
    const evs = await c.waitFor(site, "two products and the track", (e) => e.length === 4);
    expect(names(evs)).toEqual(["page", "product", "product", "track"]);
    const posts = c.received.filter((r) => r.batch?.site === site);
    expect(Math.max(...posts.map((r) => Buffer.byteLength(r.raw)))).toBeLessThan(60_000);
    expect(await quiet(site)).toBe(0);
    expect(await page.evaluate(() => localStorage.getItem("nudge_q"))).toBe("[]");
    once(site);
  });

  it("sends what is pending by beacon when the page is left", async () => {
    const site = newSite();
    const page = await open(site, "plain");
    await c.waitFor(site, "the page view", (e) => e.length === 1);
    // Leave before the 250 ms debounce can fire.
    await page.evaluate(() => {
      window.nudge("track", "leaving_now");
      location.href = "/f/thanks.html?site=" + new URL(location.href).searchParams.get("site");
    });
    const evs = await c.waitFor(site, "the track and the next page", (e) => e.length >= 3);
    expect(names(evs)).toContain("track");
    once(site);
  });

  it("holds events while offline and sends them once when back online", async () => {
    const site = newSite();
    const page = await open(site, "plain");
    await c.waitFor(site, "the page view", (e) => e.length === 1);
    await ctx.setOffline(true);
    await page.evaluate(() => window.nudge("track", "offline_thing"));
    expect(await quiet(site)).toBe(0);
    expect(await page.evaluate(() => localStorage.getItem("nudge_q"))).toContain("offline_thing");
    await ctx.setOffline(false);
    await c.waitFor(site, "the offline event", (e) => names(e).includes("track"));
    expect(await quiet(site, 400)).toBe(0);
    once(site);
    expect(await page.evaluate(() => localStorage.getItem("nudge_q"))).toBe("[]");
  });

  it("retries after a 503 on the next page, each event once", async () => {
    const site = newSite();
    c.fail(1, 503);
    const page = await open(site, "plain");
    await failuresSpent(); // the first POST has been answered 503
    expect(c.events(site)).toEqual([]);
    await Promise.all([page.waitForURL(/thanks/), page.click("#next")]);
    const evs = await c.waitFor(site, "both page views", (e) => e.length >= 2);
    expect(evs.map((e) => new URL(e.url!).pathname).sort()).toEqual([
      "/f/plain.html",
      "/f/thanks.html",
    ]);
    expect(await quiet(site, 400)).toBe(0);
    once(site);
  });

  it("retries after a dropped connection with the next send, each event once", async () => {
    const site = newSite();
    c.fail(1, "drop");
    const page = await open(site, "plain");
    await failuresSpent(); // the first POST's connection was dropped
    await page.evaluate(() => window.nudge("track", "after_drop"));
    const evs = await c.waitFor(site, "page view and track", (e) => e.length >= 2);
    expect(names(evs).sort()).toEqual(["page", "track"]);
    expect(await quiet(site, 400)).toBe(0);
    once(site);
  });

  it("with data-consent=required sends and stores nothing until consent, then everything once", async () => {
    const site = newSite();
    const page = await open(site, "consent");
    await page.type("#email", "c@example.com");
    expect(await quiet(site)).toBe(0);
    expect(c.received.slice(seen)).toEqual([]);
    expect(await storedKeys(page)).toEqual([]);
    await page.evaluate(() => window.nudge("consent", { marketing: true }));
    const evs = await c.waitFor(site, "page, form_start and consent", (e) => e.length >= 3);
    expect(names(evs).sort()).toEqual(["consent", "form_start", "page"]);
    expect(evs.find((e) => e.name === "consent")!.data).toEqual({ marketing: true });
    expect(await storedKeys(page)).toEqual(["nudge_c", "nudge_q", "nudge_vid"]);
    // Remembered: the next page sends without asking again.
    await page.reload();
    await c.waitFor(
      site,
      "the next page view",
      (e) => names(e).filter((n) => n === "page").length === 2,
    );
    once(site);
  });

  it("after a refusal sends nothing and keeps only the refusal", async () => {
    const site = newSite();
    const page = await open(site, "consent");
    await page.evaluate(() => window.nudge("consent", { marketing: false }));
    await page.evaluate(() => window.nudge("track", "after_refusal"));
    expect(await quiet(site)).toBe(0);
    expect(c.received.slice(seen)).toEqual([]);
    expect(await storedKeys(page)).toEqual(["nudge_c"]);
    await page.reload();
    expect(await quiet(site)).toBe(0);
  });

  it("a refusal on a site that was sending is sent, then nothing more, and the visitor id is erased", async () => {
    const site = newSite();
    const page = await open(site, "plain");
    await c.waitFor(site, "the page view", (e) => e.length === 1);
    await page.evaluate(() => window.nudge("consent", { marketing: false }));
    await c.waitFor(site, "the refusal", (e) => names(e).includes("consent"));
    await page.evaluate(() => window.nudge("track", "after_refusal"));
    expect(await quiet(site)).toBe(0);
    expect(await storedKeys(page)).toEqual(["nudge_c"]);
  });

  it("honours Global Privacy Control as an opt-out until an explicit consent", async () => {
    const site = newSite();
    const page = await open(site, "plain", () => {
      Object.defineProperty(Navigator.prototype, "globalPrivacyControl", { get: () => true });
    });
    await page.evaluate(() => window.nudge("track", "with_gpc"));
    expect(await quiet(site)).toBe(0);
    expect(await storedKeys(page)).toEqual([]);
    await page.evaluate(() => window.nudge("consent", { marketing: true }));
    const evs = await c.waitFor(site, "everything after consent", (e) => e.length >= 3);
    expect(names(evs).sort()).toEqual(["consent", "page", "track"]);
  });
});
