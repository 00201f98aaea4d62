// The unsubscribe page in Chromium at 375 px and 1280 px, in each state a person sees (the two
// choices, what was stopped, the way back): PNGs in bench/.tmp/screens/ (gitignored) for a human
// look; checks that nothing overflows, the buttons span the card on a phone and are big enough
// to tap, and the main choice wears the shop's brand colour.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unsubscribePage, type UnsubscribeView } from "../../worker/mail/unsubscribe-view.ts";
import { hasChromium, launchChromium } from "./support/chromium.ts";

const OUT = new URL("../../bench/.tmp/screens/", import.meta.url).pathname;
const WIDTHS = [375, 1280];
const BRAND = {
  name: "Demo Shop",
  color: "#0f766e",
  url: "https://shop.example/",
  postalAddress: "1 Example Street, Springfield",
};
const LABEL = "shopping reminders";
const action = "/u/token";

const VIEWS: [string, UnsubscribeView][] = [
  ["confirm-kind", { state: "confirm", brand: BRAND, action, label: LABEL }],
  ["confirm-all", { state: "confirm", brand: BRAND, action, label: null }],
  ["done-kind", { state: "done", brand: BRAND, action, scope: "kind", label: LABEL }],
  ["done-all", { state: "done", brand: BRAND, action, scope: "all", label: LABEL }],
  ["resubscribed-kind", { state: "resubscribed", brand: BRAND, scope: "kind", label: LABEL }],
];

describe.skipIf(!hasChromium)("the unsubscribe page in Chromium", () => {
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  for (const [name, view] of VIEWS) {
    it(`${name} looks right at ${WIDTHS.join(" and ")} px`, async () => {
      for (const width of WIDTHS) {
        const page = await browser.newPage({ viewport: { width, height: 800 } });
        await page.route("**/*", (route) => route.abort());
        await page.setContent(unsubscribePage(view), { waitUntil: "load" });
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - window.innerWidth,
        );
        expect(overflow, `${name} overflows at ${width}px`).toBeLessThanOrEqual(0);
        const boxes = await page.evaluate(() =>
          [...document.querySelectorAll("form")].flatMap((f) =>
            [...f.querySelectorAll("button")].map((b) => ({
              button: b.getBoundingClientRect().width,
              height: b.getBoundingClientRect().height,
              form: f.getBoundingClientRect().width,
              quiet: b.classList.contains("quiet"),
              background: getComputedStyle(b).backgroundColor,
            })),
          ),
        );
        for (const b of boxes) {
          expect(b.height, `${name} button height at ${width}px`).toBeGreaterThanOrEqual(44);
          // On a phone every button spans the card; on a desktop the choices do too.
          if (width < 480 || boxes.length > 1) expect(b.button).toBeCloseTo(b.form, 0);
        }
        const main = boxes.find((b) => !b.quiet);
        if (main) expect(main.background).toBe("rgb(15, 118, 110)");
        await page.screenshot({ path: join(OUT, `unsubscribe-${name}-${width}.png`) });
        await page.close();
      }
    });
  }
});
