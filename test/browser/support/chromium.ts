// Launches Debian's Chromium through playwright-core. Missing Chromium skips the browser tests
// with a printed reason, except under CI=true, where it is a failure.
import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { note } from "../../support/note.ts";
import { waitFor } from "./stack.ts";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM_PATH);

if (!hasChromium) {
  const msg = `Chromium not found at ${CHROMIUM_PATH} (set CHROMIUM_PATH or apt-get install chromium)`;
  if (process.env.CI === "true") throw new Error(`${msg}: browser tests cannot be skipped in CI`);
  note(`SKIPPING browser tests: ${msg}`);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** The snippet's first-party visitor id, once it has stored one in the page's localStorage. */
export function visitorIdOf(page: Page): Promise<string> {
  return waitFor(
    () =>
      page.evaluate(() => {
        for (let i = 0; i < localStorage.length; i++) {
          const v = localStorage.getItem(localStorage.key(i) ?? "") ?? "";
          if (/^[A-Za-z0-9_-]{16,64}$/.test(v)) return v;
        }
        return null;
      }),
    "the snippet's visitor id",
  );
}
