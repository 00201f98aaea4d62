// The admin dashboard on the real stack (wrangler dev): seeds a month of realistic stats through
// POST /_dev/stats (test/development only), signs in through the form, checks the session cookie
// and key numbers, and saves screenshots at 375 and 1280 px to bench/.tmp/screens/ (also with
// zero data) for a human look. Two coupon pools (one nearly empty) fill the Coupon pools table.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runStats } from "../../cli/stats.ts";
import demoConfig from "../../demo/site-config.json" with { type: "json" };
import type { Report } from "../../worker/stats/report.ts";
import type { StatEvent } from "../../worker/stats/types.ts";
import { hasChromium, launchChromium } from "./support/chromium.ts";
import { ADMIN_TOKEN, SERVER_KEY, startStack, type Stack } from "./support/stack.ts";
import { printStackLogsOnFailure } from "./support/stack-logs.ts";

const OUT = new URL("../../bench/.tmp/screens/", import.meta.url).pathname;
const WIDTHS = [375, 1280];
const DAY_MS = 86_400_000;

/** Deterministic PRNG (mulberry32), so the seeded month is the same on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Profile {
  trigger: string;
  perDay: [number, number];
  steps: number;
  variants?: number;
  holdout?: number;
  cancel?: number;
  convert: [treated: number, holdout: number];
}

const PROFILES: Profile[] = [
  {
    trigger: "cart-abandoned",
    perDay: [25, 45],
    steps: 2,
    holdout: 0.1,
    cancel: 0.3,
    convert: [0.14, 0.07],
  },
  { trigger: "browse-abandoned", perDay: [10, 25], steps: 1, cancel: 0.2, convert: [0.05, 0] },
  { trigger: "welcome", perDay: [8, 16], steps: 1, convert: [0.03, 0] },
  { trigger: "win-back", perDay: [2, 6], steps: 1, variants: 2, convert: [0.06, 0] },
];
const SKIPS = [
  "no_email",
  "no_email",
  "no_email",
  "capped",
  "no_consent",
  "suppressed",
  "quiet_hours",
  "coupon_pool_empty",
];

/** A month of events ending today, and the treated totals the dashboard should show. */
function seedMonth(site: string, now: number) {
  const rand = prng(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const events: StatEvent[] = [];
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  let n = 0;
  for (let d = 29; d >= 0; d--) {
    const day = today - d * DAY_MS;
    for (const p of PROFILES) {
      const count = p.perDay[0] + Math.floor(rand() * (p.perDay[1] - p.perDay[0]));
      for (let i = 0; i < count; i++) {
        const contact = `c${(n++).toString(16).padStart(8, "0")}`;
        const group = rand() < (p.holdout ?? 0) ? "holdout" : "treated";
        const at = day + Math.floor(rand() * (DAY_MS - 4 * 3_600_000));
        const base = { site, trigger: p.trigger, group, contact } as const;
        const e = (x: Partial<StatEvent> & Pick<StatEvent, "metric">, dt = 0) =>
          events.push({ ...base, step: null, variant: null, at: Math.min(at + dt, now), ...x });
        e({ metric: "entered" });
        if (rand() < (p.cancel ?? 0)) {
          e({ metric: "cancelled", reason: pick(["purchase", "purchase", "cart"]) }, 1_800_000);
          continue;
        }
        for (let s = 0; s < p.steps; s++) {
          if (s > 0 && rand() < 0.4) break;
          const variant = p.variants ? Math.floor(rand() * p.variants) : null;
          const step = { step: s, variant };
          const dt = 3_600_000 * (s + 1);
          e({ ...step, metric: "due" }, dt);
          if (group === "holdout") {
            e({ ...step, metric: "sent" }, dt);
            continue;
          }
          if (rand() < 0.12) {
            e({ ...step, metric: "skipped", reason: pick(SKIPS) }, dt);
            continue;
          }
          if (rand() < 0.012) {
            e(
              {
                ...step,
                metric: "failed",
                reason: pick(["provider_rejected", "retries_exhausted"]),
              },
              dt,
            );
            continue;
          }
          e({ ...step, metric: "sent" }, dt);
          if (rand() < 0.012) {
            e({ ...step, metric: "bounced" }, dt + 60_000);
            continue;
          }
          e({ ...step, metric: "delivered" }, dt + 5_000);
          if (rand() > 0.5) continue;
          e({ ...step, metric: "opened", unique: `${contact}:${s}:o` }, dt + 600_000);
          if (rand() < 0.01) e({ ...step, metric: "unsubscribed" }, dt + 700_000);
          if (rand() > 0.3) continue;
          e({ ...step, metric: "clicked", unique: `${contact}:${s}:c` }, dt + 700_000);
          if (rand() < 0.3) {
            const value = Math.round((30 + rand() * 120) * 100) / 100;
            e({ ...step, metric: "converted", value, currency: "EUR" }, dt + 900_000);
          } else if (rand() < 0.1) {
            // A purchase only a browser reported: credited apart, never revenue.
            const value = Math.round((30 + rand() * 120) * 100) / 100;
            e({ ...step, metric: "claimed", value, currency: "EUR" }, dt + 900_000);
          }
        }
        if (rand() < p.convert[group === "treated" ? 0 : 1]) {
          const value = Math.round((30 + rand() * 120) * 100) / 100;
          e({ metric: "episode_converted", value, currency: "EUR" }, 4 * 3_600_000);
        }
      }
    }
  }
  const treated = events.filter((x) => x.group === "treated");
  const count = (m: StatEvent["metric"]) => treated.filter((x) => x.metric === m).length;
  return {
    events,
    sent: count("sent"),
    opened: count("opened"),
    failed: count("failed"),
    claimed: count("claimed"),
  };
}

const fmt = (n: number) => n.toLocaleString("en-US");

describe.skipIf(!hasChromium)("admin dashboard", () => {
  let stack: Stack;
  let browser: Browser;
  let seeded: ReturnType<typeof seedMonth>;
  printStackLogsOnFailure(() => ({ stack }));

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    const triggers = demoConfig.triggers.map((t) =>
      t.id === "cart-abandoned" ? { ...t, holdout: 0.1 } : t,
    );
    [stack, browser] = await Promise.all([startStack({ config: { triggers } }), launchChromium()]);
    seeded = seedMonth("demo", Date.now());
    for (let i = 0; i < seeded.events.length; i += 5000) {
      const res = await fetch(`${stack.worker}/_dev/stats`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ events: seeded.events.slice(i, i + 5000) }),
      });
      expect(res.status, await res.clone().text()).toBe(202);
    }
    for (const [pool, count] of [
      ["spring", 40],
      ["vip", 3],
    ] as const) {
      const res = await fetch(`${stack.worker}/v1/coupons`, {
        method: "POST",
        headers: { authorization: `Bearer ${SERVER_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({
          site: "demo",
          pool,
          codes: Array.from({ length: count }, (_, i) => `${pool.toUpperCase()}-${i}`),
        }),
      });
      expect(res.status, await res.clone().text()).toBe(200);
    }
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  async function shoot(page: Page, name: string) {
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - window.innerWidth,
      );
      expect(overflow, `${name} overflows horizontally at ${width}px`).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(OUT, `${name}-${width}.png`), fullPage: true });
    }
  }

  it("signs in through the form and shows the month's numbers", async () => {
    const ctx = await browser.newContext({ viewport: { width: 375, height: 900 } });
    const page = await ctx.newPage();
    const res = await page.goto(`${stack.worker}/admin?site=demo`);
    expect(res?.status()).toBe(401);
    await page.screenshot({ path: join(OUT, "dashboard-signin-375.png") });

    await page.fill("#token", "not-the-token");
    await Promise.all([page.waitForURL("**/admin/login"), page.click("button[type=submit]")]);
    await expect.poll(() => page.textContent("[role=alert]")).toContain("not valid");

    await page.fill("#token", ADMIN_TOKEN);
    await Promise.all([page.waitForURL("**/admin?site=demo"), page.click("button[type=submit]")]);
    const cookies = await ctx.cookies(`${stack.worker}/admin`);
    expect(cookies).toEqual([
      expect.objectContaining({
        name: "nudge_admin",
        httpOnly: true,
        secure: true,
        sameSite: "Strict",
        path: "/admin",
      }),
    ]);

    const api = (await (await stack.admin("/admin/api/stats?site=demo")).json()) as Report;
    expect(api.totals.sent).toBe(seeded.sent);
    expect(api.totals.opened).toBe(seeded.opened);
    const cart = api.triggers.find((t) => t.trigger === "cart-abandoned");
    expect(cart?.lift.interval).not.toBeNull();

    const cards = await page.locator(".cards .card").allTextContents();
    expect(cards.find((c) => c.startsWith("Sent"))).toContain(fmt(seeded.sent));
    expect(cards.find((c) => c.startsWith("Opened"))).toContain(fmt(seeded.opened));
    expect(seeded.claimed).toBeGreaterThan(0);
    expect(api.totals.claimed).toBe(seeded.claimed);
    expect(cards.find((c) => c.startsWith("Unverified claims"))).toContain(fmt(seeded.claimed));
    const panel = page.locator("#trigger-cart-abandoned");
    await expect.poll(() => panel.locator(".lift").textContent()).toContain("95% CI");
    expect(await page.locator("svg[role=img]").count()).toBeGreaterThan(1);
    expect(await page.locator("text=Recent failed sends").count()).toBe(1);
    const pools = await page.locator("#coupon-pools tbody tr").allTextContents();
    expect(pools).toEqual(["spring40040", "vip303"]);
    expect(await page.locator(".reasons >> text=coupon_pool_empty").count()).toBeGreaterThan(0);
    expect(await page.locator("table tbody tr").count()).toBeGreaterThan(seeded.failed > 0 ? 1 : 0);
    await shoot(page, "dashboard");

    // the cookie keeps working after navigation; signing out ends it
    await page.goto(`${stack.worker}/admin?site=demo&from=2020-01-01&to=2020-01-31`);
    expect(await page.locator(".cards .card").first().textContent()).toContain("0");
    await expect.poll(() => page.textContent("main")).toContain("No email activity in this period");
    await shoot(page, "dashboard-empty");

    await Promise.all([page.waitForURL("**/admin"), page.click("text=Sign out")]);
    expect(await page.locator("#token").count()).toBe(1);
    expect(await ctx.cookies(`${stack.worker}/admin`)).toEqual([]);
    await ctx.close();
  });

  it("`nudge stats` prints the same numbers from the running worker", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runStats(
      ["demo"],
      { out: (l) => void out.push(l), err: (l) => void err.push(l) },
      { fetch: globalThis.fetch, env: { NUDGE_URL: stack.worker, NUDGE_ADMIN_TOKEN: ADMIN_TOKEN } },
    );
    expect(err).toEqual([]);
    expect(code).toBe(0);
    const total = out.find((l) => l.startsWith("TOTAL")) ?? "";
    // TOTAL, ENTERED, STEP1 DUE, DUE, SENT, …
    expect(total.split(/\s{2,}/)[4]).toBe(fmt(seeded.sent));
    expect(out.some((l) => /^cart-abandoned\s+\d[\d,]*\/[\d,]+ \(/.test(l))).toBe(true);
  });
});
