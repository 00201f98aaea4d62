// The snippet in Chromium, automatic capture: page views (load, SPA, bfcache), JSON-LD products,
// forms, time zone, nudge_t, the stub queue, install modes, and a hostile page (throwing scripts,
// throwing storage, prerender, loaded twice). Every body is validated by the worker's BatchSchema.
import { execFileSync } from "node:child_process";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CHROMIUM_PATH, hasChromium, launchChromium } from "./support/chromium.ts";
import { startCollector, type Collector } from "./support/collector.ts";

declare global {
  interface Window {
    nudge: ((...a: unknown[]) => void) & { l?: number };
    __errors: string[];
    __ranAfter: boolean;
    __keys: string[];
  }
}

let browser: Browser;
let c: Collector;
let ctx: BrowserContext;
let seq = 0;
/** One site id per test, so a late beacon from another test never counts here. */
const newSite = () => `cap-${Date.now().toString(36)}-${seq++}`;
const names = (evs: { name: string }[]) => evs.map((e) => e.name);

async function open(site: string, fixture: string, query?: string): Promise<Page> {
  ctx = await browser.newContext({ timezoneId: "Europe/Paris" });
  const page = await ctx.newPage();
  await page.goto(c.page(fixture, site, query));
  return page;
}

/** No more events of `site` arrive for `ms` (a short, bounded quiet period). */
async function quiet(site: string, ms = 600): Promise<number> {
  const before = c.events(site).length;
  await new Promise((r) => setTimeout(r, ms));
  return c.events(site).length - before;
}

describe.skipIf(!hasChromium)("snippet: automatic capture (Chromium)", () => {
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
    // Whatever arrived during the test is exactly what the worker accepts.
    expect(c.received.slice(seen).filter((r) => r.issues)).toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
    await c?.close();
  });

  it("sends the page view, the JSON-LD product, the time zone and a stored visitor id", async () => {
    const site = newSite();
    const page = await open(site, "shop");
    const evs = await c.waitFor(site, "page and product", (e) => names(e).includes("product"));
    expect(names(evs)).toEqual(["page", "product"]);
    const [pv, product] = evs;
    // Origin and path only: the page's own query string (`site=…`) is not sent.
    const at = new URL(page.url());
    expect(at.search).not.toBe("");
    expect(pv!.url).toBe(`${at.origin}${at.pathname}`);
    expect(product!.data).toEqual({
      id: "tote-1",
      name: "Waxed Canvas Tote",
      price: 45,
      currency: "EUR",
      url: "https://shop.example/p/tote",
      image: "https://shop.example/img/tote.jpg",
    });
    const { batch } = c.events(site)[0]!;
    expect(batch.tz).toBe("Europe/Paris");
    expect(batch.vid).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    expect(await page.evaluate(() => localStorage.getItem("nudge_vid"))).toBe(batch.vid);
    const rec = c.received.find((r) => r.batch?.site === site)!;
    expect(rec.contentType).toMatch(/^text\/plain/);
    expect(new Set(c.events(site).map((x) => x.event.id)).size).toBe(2);
  });

  it("extracts a product from @graph with an AggregateOffer and an ImageObject, past malformed JSON-LD", async () => {
    const site = newSite();
    await open(site, "graph");
    const evs = await c.waitFor(site, "the product", (e) => names(e).includes("product"));
    expect(evs.find((e) => e.name === "product")!.data).toEqual({
      id: "mug-9",
      name: "Enamel Mug",
      price: 12.5,
      currency: "USD",
      image: "https://shop.example/img/mug.jpg",
    });
  });

  it.each(["defer", "sync", "injected"])(
    "works when installed %s, replaying the stub and reading JSON-LD below the tag",
    async (mode) => {
      const site = newSite();
      await open(site, `mode-${mode}`);
      const evs = await c.waitFor(site, "page, track, product", (e) => e.length >= 3);
      expect(names(evs).sort()).toEqual(["page", "product", "track"]);
      expect(evs.find((e) => e.name === "track")).toMatchObject({
        event: "installed",
        data: { mode },
      });
      expect(evs.find((e) => e.name === "product")!.data).toMatchObject({ id: "late-1", price: 3 });
    },
  );

  it("counts SPA navigations: pushState and popstate count, replaceState and same-URL repeats do not", async () => {
    const site = newSite();
    const page = await open(site, "plain");
    await c.waitFor(site, "the first page view", (e) => e.length === 1);
    await page.evaluate(() => {
      history.pushState({}, "", "/spa/a");
      history.pushState({}, "", "/spa/a");
      history.replaceState({}, "", "/spa/b");
      history.pushState({}, "", "/spa/c");
    });
    await page.goBack(); // popstate to the replaced entry, /spa/b
    await page.evaluate(() => window.nudge("page")); // an explicit page view always counts
    const evs = await c.waitFor(site, "5 page views", (e) => e.length >= 5);
    expect(evs.map((e) => new URL(e.url!).pathname)).toEqual([
      "/f/plain.html",
      "/spa/a",
      "/spa/c",
      "/spa/b",
      "/spa/b",
    ]);
    expect(await quiet(site)).toBe(0);
  });

  it("counts a back/forward-cache restore as a page view (and its product)", async () => {
    // Playwright turns the bfcache off by default; this browser keeps it on.
    const bf = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      ignoreDefaultArgs: ["--disable-back-forward-cache"],
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
    });
    try {
      const site = newSite();
      const bctx = await bf.newContext();
      await bctx.addInitScript(() => {
        addEventListener("pageshow", (e) => {
          (window as unknown as { __persisted: boolean }).__persisted = e.persisted;
        });
      });
      const page = await bctx.newPage();
      await page.goto(c.page("shop", site));
      await c.waitFor(site, "page and product", (e) => e.length === 2);
      await page.goto(c.page("plain", site));
      await c.waitFor(site, "the second page", (e) => e.length === 3);
      // A bfcache restore fires no load event: wait for the commit, then for pageshow.
      await page.goBack({ waitUntil: "commit" });
      await page.waitForFunction(() => "__persisted" in window, undefined, { timeout: 5000 });
      expect(
        await page.evaluate(() => (window as unknown as { __persisted: boolean }).__persisted),
      ).toBe(true);
      const evs = await c.waitFor(
        site,
        "the restored page's view and product",
        (e) => e.length >= 5,
      );
      expect(names(evs)).toEqual(["page", "product", "page", "page", "product"]);
      expect(new URL(evs[3]!.url!).pathname).toBe("/f/shop.html");
    } finally {
      await bf.close();
    }
  });

  it("sends page URLs as origin + path + utm_* only: no other parameter, no fragment, on load or SPA", async () => {
    const site = newSite();
    const page = await open(
      site,
      "plain",
      "utm_source=mail&email=ada%40example.com&reset=RESET-SECRET-123#tok=FRAG-SECRET-456",
    );
    await c.waitFor(site, "the first page view", (e) => e.length === 1);
    await page.evaluate(() => {
      history.pushState({}, "", "/spa/next?email=spa%40example.com&utm_medium=m#FRAG-SECRET-789");
      window.nudge("track", "looked");
    });
    const evs = await c.waitFor(site, "the SPA view and the track", (e) => e.length === 3);
    const at = new URL(c.page("plain", site));
    expect(evs.map((e) => e.url)).toEqual([
      `${at.origin}${at.pathname}?utm_source=mail`,
      `${at.origin}/spa/next?utm_medium=m`,
      `${at.origin}/spa/next?utm_medium=m`,
    ]);
    // What left the browser, before the worker's own stripping.
    const raw = c.received
      .filter((r) => r.raw.includes(site))
      .map((r) => r.raw)
      .join("\n");
    expect(raw).toContain("utm_source=mail");
    for (const secret of [
      "ada%40example.com",
      "ada@example.com",
      "spa%40example.com",
      "SECRET",
      "#",
      "site=",
    ])
      expect(raw).not.toContain(secret);
  });

  it("reads nudge_t from the landing URL, sends it as `t` and removes it from the address bar", async () => {
    const site = newSite();
    const page = await open(site, "plain", "utm_source=mail&nudge_t=tok_abc.123");
    const evs = await c.waitFor(site, "the page view", (e) => e.length === 1);
    expect(c.events(site)[0]!.batch.t).toBe("tok_abc.123");
    expect(page.url()).not.toContain("nudge_t");
    expect(page.url()).toContain("utm_source=mail");
    expect(evs[0]!.url).not.toContain("nudge_t");
  });

  it("captures form_start once and form_submit with the email across the navigation; never a secret", async () => {
    const site = newSite();
    const page = await open(site, "shop");
    await c.waitFor(site, "page and product", (e) => e.length === 2);
    await page.fill("#search-q", "boots"); // no email field: not captured
    await page.fill("#login-email", "login@example.com"); // data-nudge-ignore
    await page.fill("#login-pw", "LOGIN-PASSWORD-VALUE");
    await page.type("#nl-email", "Ada@Example.com");
    await page.fill("#nl-pw", "NEWSLETTER-PASSWORD-VALUE");
    await page.fill("#nl-card", "4242424242424242");
    await page.fill("#nl-first", "Ada");
    await Promise.all([page.waitForURL(/thanks/), page.click("#nl-submit")]);
    const evs = await c.waitFor(
      site,
      "form_submit and the next page",
      (e) => names(e).includes("form_submit") && names(e).filter((n) => n === "page").length === 2,
    );
    expect(evs.filter((e) => e.name === "form_start").map((e) => e.data)).toEqual([
      { form: "newsletter" },
    ]);
    expect(evs.find((e) => e.name === "form_submit")!.data).toEqual({
      form: "newsletter",
      email: "ada@example.com",
    });
    const raw = c.received.map((r) => r.raw).join("\n");
    for (const secret of [
      "PASSWORD-VALUE",
      "4242424242424242",
      "HIDDEN-SECRET",
      "login@example.com",
    ]) {
      expect(raw).not.toContain(secret);
    }
  });

  it("sends only the fields allowed with data-nudge-field, never a secret, and nothing from data-nudge-ignore", async () => {
    const site = newSite();
    const page = await open(site, "fields");
    await c.waitFor(site, "the page view", (e) => e.length === 1);
    // The opted-out form first: its submit navigates, and nothing of it may arrive.
    await page.fill("#ac-email", "ignored@example.com");
    await page.fill("#ac-nick", "IGNORED-NICKNAME");
    await Promise.all([page.waitForURL(/thanks/), page.click("#ac-submit")]);
    await c.waitFor(site, "the thanks page", (e) => e.length === 2);
    await page.goBack();
    await c.waitFor(site, "the form page again", (e) => e.length === 3);
    await page.type("#su-email", "Ada@Example.com");
    await page.selectOption("#su-plan", "pro");
    await page.fill("#su-org", "Acme");
    await page.fill("#su-first", "UNMARKED-FIRST-NAME");
    await page.fill("#su-pw", "MARKED-PASSWORD-VALUE");
    await page.fill("#su-cc", "4242424242424242");
    await page.fill("#su-card", "5555555555554444");
    await page.fill("#su-cvc", "CVC-987");
    await page.check("#su-news");
    await page.check("#su-m");
    await Promise.all([page.waitForURL(/thanks/), page.click("#su-submit")]);
    const evs = await c.waitFor(site, "form_submit", (e) => names(e).includes("form_submit"));
    expect(evs.filter((e) => e.name === "form_submit").map((e) => e.data)).toEqual([
      {
        form: "signup",
        email: "ada@example.com",
        fields: { plan: "pro", company: "Acme", newsletter: "yes", size: "M" },
      },
    ]);
    expect(evs.filter((e) => e.name === "form_start").map((e) => e.data)).toEqual([
      { form: "signup" },
    ]);
    const raw = c.received.map((r) => r.raw).join("\n");
    for (const secret of [
      "ignored@example.com",
      "IGNORED-NICKNAME",
      "UNMARKED-FIRST-NAME",
      "MARKED-PASSWORD-VALUE",
      "HIDDEN-SECRET-VALUE",
      "4242424242424242",
      "5555555555554444",
      "CVC-987",
    ]) {
      expect(raw).not.toContain(secret);
    }
  });

  it("replays the stub queue in order (unknown commands ignored)", async () => {
    const site = newSite();
    await open(site, "queue");
    const evs = await c.waitFor(site, "six events", (e) => e.length >= 6);
    expect(evs.map((e) => (e.name === "track" ? `track:${e.event}` : e.name))).toEqual([
      "page",
      "identify",
      "cart",
      "track:first_thing",
      "track:second_thing",
      "checkout",
    ]);
    expect(evs[1]!.data).toMatchObject({ email: "queue@example.com", first_name: "Ada" });
  });

  it("runs once when the tag is included twice", async () => {
    const site = newSite();
    const page = await open(site, "twice");
    await c.waitFor(site, "a page view", (e) => e.length >= 1);
    await page.evaluate(() => window.nudge("track", "once"));
    await c.waitFor(site, "the track", (e) => names(e).includes("track"));
    expect(await quiet(site)).toBe(0);
    expect(names(c.events(site).map((x) => x.event))).toEqual(["page", "track"]);
  });

  it("keeps working on a page whose own scripts throw, and never throws into it", async () => {
    const site = newSite();
    const page = await open(site, "throws");
    await c.waitFor(site, "the page view", (e) => e.length >= 1);
    await page.type("#email", "x@example.com");
    await c.waitFor(site, "form_start", (e) => names(e).includes("form_start"));
    await page.evaluate(() => {
      window.nudge("product", { id: 1n }); // BigInt: JSON cannot carry it
      window.nudge("track"); // no name
      window.nudge();
    });
    expect(await page.evaluate(() => window.__ranAfter)).toBe(true);
    const errors = await page.evaluate(() => window.__errors);
    expect(
      errors.every((m) => /page script|undefinedFunctionOfThePage|page input handler/.test(m)),
    ).toBe(true);
    expect(errors.length).toBeGreaterThanOrEqual(3);
  });

  it("does nothing, and never throws into the page, outside a secure context (plain http)", async () => {
    // http://shop.test is not a secure context (localhost and 127.0.0.1 are): no
    // crypto.randomUUID, so the snippet cannot make ids and stays out of the way.
    const insecure = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--host-resolver-rules=MAP shop.test 127.0.0.1",
      ],
    });
    try {
      const site = newSite();
      const page = await (await insecure.newContext()).newPage();
      const url = c.page("throws", site, "nudge_t=tok").replace("//localhost:", "//shop.test:");
      await page.goto(url);
      await page.waitForFunction(() => window.__ranAfter);
      // It ran (it strips the email-link token first), then stopped at the first id.
      await page.waitForFunction(() => !location.search.includes("nudge_t"));
      expect(await page.evaluate(() => [isSecureContext, typeof crypto.randomUUID])).toEqual([
        false,
        "undefined",
      ]);
      await page.type("#email", "x@example.com");
      await page.evaluate(() => window.nudge("track", "ignored"));
      expect(await quiet(site)).toBe(0);
      expect(c.events(site)).toEqual([]);
      expect(await page.evaluate(() => window.nudge.l)).toBeUndefined(); // still the stub
      const errors = await page.evaluate(() => window.__errors);
      expect(
        errors.every((m) => /page script|undefinedFunctionOfThePage|page input handler/.test(m)),
      ).toBe(true);
      expect(errors.length).toBeGreaterThanOrEqual(3);
    } finally {
      await insecure.close();
    }
  });

  it("works when localStorage throws (Safari private mode, blocked storage)", async () => {
    const site = newSite();
    ctx = await browser.newContext();
    await ctx.addInitScript(() => {
      Object.defineProperty(window, "localStorage", {
        get() {
          throw new DOMException("The operation is insecure.", "SecurityError");
        },
      });
    });
    const page = await ctx.newPage();
    await page.goto(c.page("shop", site));
    await c.waitFor(site, "page and product", (e) => e.length === 2);
    await page.evaluate(() => window.nudge("track", "still_here"));
    await c.waitFor(site, "the track", (e) => e.length === 3);
    const vids = new Set(c.events(site).map((x) => x.batch.vid));
    expect(vids.size).toBe(1);
  });

  it("adds no global but `nudge`", async () => {
    const site = newSite();
    ctx = await browser.newContext();
    await ctx.addInitScript(() => {
      window.__keys = Object.getOwnPropertyNames(window);
    });
    const page = await ctx.newPage();
    await page.goto(c.page("plain", site));
    await c.waitFor(site, "the page view", (e) => e.length === 1);
    const added = await page.evaluate(() =>
      Object.getOwnPropertyNames(window).filter(
        (k) => !window.__keys.includes(k) && k !== "__keys",
      ),
    );
    expect(added).toEqual(["nudge"]);
    expect(await page.evaluate(() => window.nudge.l)).toBe(1);
  });

  it("waits while the page is prerendered and starts when it is shown", async () => {
    const site = newSite();
    ctx = await browser.newContext();
    await ctx.addInitScript(() => {
      let prerendering = true;
      Object.defineProperty(document, "prerendering", {
        get: () => prerendering,
        configurable: true,
      });
      Object.defineProperty(window, "__activate", {
        value: () => {
          prerendering = false;
          document.dispatchEvent(new Event("prerenderingchange"));
        },
      });
    });
    const page = await ctx.newPage();
    await page.goto(c.page("plain", site));
    expect(await quiet(site)).toBe(0);
    await page.evaluate(() => (window as unknown as { __activate: () => void }).__activate());
    await c.waitFor(site, "the page view after activation", (e) => e.length === 1);
  });

  it("posts to data-api when set (a first-party proxy)", async () => {
    const site = newSite();
    await open(site, "proxy");
    await c.waitFor(site, "the page view", (e) => e.length === 1);
    expect(c.received.filter((r) => r.batch?.site === site).map((r) => r.path)).toEqual([
      "/proxy/nudge/e",
    ]);
  });
});
