// Renders every default template with the sample data in Chromium at 375 px and 800 px, saves
// PNGs to bench/.tmp/screens/ (gitignored) for a human look, and checks nothing overflows.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import sample from "../../templates/sample-data.json" with { type: "json" };
import { makeLinkSigner } from "../../worker/mail/links.ts";
import { renderEmail } from "../../worker/mail/render.ts";
import { hasChromium, launchChromium } from "./support/chromium.ts";

const OUT = new URL("../../bench/.tmp/screens/", import.meta.url).pathname;
const WIDTHS = [375, 800];
const COLORS = ["#c7d2fe", "#fde68a", "#bbf7d0", "#fecaca", "#e9d5ff"];

/** A product-photo stand-in so screenshots show real image boxes without network access. */
function placeholder(path: string): string {
  const c = COLORS[path.length % COLORS.length] ?? "#e5e7eb";
  const label =
    path
      .split("/")
      .pop()
      ?.replace(/\.\w+$/, "") ?? "img";
  return `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="600" viewBox="0 0 600 600">
<rect width="600" height="600" fill="${c}"/><circle cx="300" cy="260" r="120" fill="#ffffff" opacity=".6"/>
<text x="300" y="480" font-family="Arial" font-size="48" text-anchor="middle" fill="#374151">${label}</text></svg>`;
}

describe.skipIf(!hasChromium)("email templates in Chromium", () => {
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  for (const [name, spec] of Object.entries(sample.templates)) {
    it(`${name} looks right at ${WIDTHS.join(" and ")} px`, async () => {
      const signer = makeLinkSigner(
        "screens",
        "https://nudge.example.com",
        {
          site: "demo",
          contact: "c",
          email: sample.context.contact.email,
          trigger: name,
          episode: "e",
          step: 0,
          variant: null,
        },
        0,
      );
      const r = await renderEmail({
        template: name,
        ...spec,
        context: sample.context,
        signer,
        allowedOrigins: sample.origins,
      });
      if (!r.ok) throw new Error(r.message);
      for (const width of WIDTHS) {
        const page = await browser.newPage({ viewport: { width, height: 900 } });
        await page.route("**/*", (route) => {
          const url = new URL(route.request().url());
          if (url.pathname.startsWith("/img/")) {
            return route.fulfill({ contentType: "image/svg+xml", body: placeholder(url.pathname) });
          }
          if (url.pathname.startsWith("/o/")) {
            return route.fulfill({
              contentType: "image/gif",
              body: Buffer.from(
                "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7",
                "base64",
              ),
            });
          }
          return route.abort();
        });
        await page.setContent(r.html, { waitUntil: "load" });
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - window.innerWidth,
        );
        expect(overflow, `${name} overflows horizontally at ${width}px`).toBeLessThanOrEqual(0);
        const broken = await page.evaluate(() =>
          [...document.images].filter((i) => i.complete && i.naturalWidth === 0).map((i) => i.src),
        );
        expect(broken).toEqual([]);
        await page.screenshot({ path: join(OUT, `${name}-${width}.png`), fullPage: true });
        await page.close();
      }
    });
  }
});
