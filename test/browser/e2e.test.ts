// The whole product end to end on the real stack: Chromium shops on the demo store, `wrangler dev`
// runs the worker, and the abandonment email comes out of the dev outbox (A) or a contract-checking
// fake Resend (B). Then the logs of both runs are scanned for personal data and shape (C), and
// `npm start` is run on a fresh copy of the repo (D).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import demoConfig from "../../demo/site-config.json" with { type: "json" };
import { startFakeResend, type FakeResend, type RecordedSend } from "../support/fake-resend.ts";
import { note } from "../support/note.ts";
import { hasChromium, launchChromium, visitorIdOf } from "./support/chromium.ts";
import { freePort, startStack, waitFor, type Stack } from "./support/stack.ts";
import { printStackLogsOnFailure } from "./support/stack-logs.ts";
import type { OutboxJsonItem } from "../../worker/mail/outbox-view.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const SITE = "demo";
/** The test's first-step wait (the demo's own is 20 s; see the config test below). */
const STEP_WAIT_MS = 3000;
/** How long after a step's due time we accept an email to be still on its way. */
const DELIVERY_MS = 15_000;

// ---- run data: unique addresses on unique domains, so a leak is unmistakable in the logs ----

const run = Math.random().toString(36).slice(2, 8);
const people = {
  ada: `ada.lovelace.${run}@mail-a-${run}.example.org`,
  grace: `grace.hopper.${run}@mail-g-${run}.example.org`,
  bea: `bea.resend.${run}@mail-b-${run}.example.org`,
  dora: `dora.demo.${run}@mail-d-${run}.example.org`,
};
const EMAILS = Object.values(people);
const DOMAINS = EMAILS.map((e) => e.slice(e.indexOf("@") + 1));

// ---- config: the demo's, with a short first step and later steps out of the test's way ----

interface StepJson {
  wait?: string;
  [k: string]: unknown;
}
interface TriggerJson {
  id: string;
  steps?: StepJson[];
  [k: string]: unknown;
}
const demoTriggers = demoConfig.triggers as TriggerJson[];

function testConfig(opts: { singleCartStep?: boolean } = {}): Record<string, unknown> {
  const triggers = demoTriggers.map((t): TriggerJson => {
    const steps = t.steps ?? [];
    if (t.id === "cart-abandoned") {
      const [first, ...rest] = steps;
      const later = opts.singleCartStep ? [] : rest.map((s) => ({ ...s, wait: "1h" }));
      return { ...t, steps: [{ ...first, wait: `${STEP_WAIT_MS / 1000}s` }, ...later] };
    }
    if (t.id === "thank-you") return { ...t, steps: steps.slice(0, 1) };
    // The demo's welcome counts toward the frequency cap (15 s), which would cap the test's
    // 3-second cart step after a subscribe: here it is exempt (so, order-like, it waits for a
    // verified address and is not sent).
    if (t.id === "welcome") return { ...t, frequencyCap: false };
    return t;
  });
  return { triggers };
}

const DURATION = /^(\d+)(s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5 };
function durationMs(d: string): number {
  const m = DURATION.exec(d);
  if (!m) throw new Error(`bad duration ${d}`);
  return Number(m[1]) * (UNIT_MS[m[2] ?? "s"] ?? 0);
}

// ---- helpers over the stack ----

type OutboxEmail = OutboxJsonItem;

async function outbox(stack: Stack): Promise<OutboxEmail[]> {
  const res = await fetch(`${stack.worker}/_dev/outbox.json`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { emails: OutboxEmail[] }).emails;
}

const tagOf = (tags: { name: string; value: string }[] | undefined, name: string) =>
  tags?.find((t) => t.name === name)?.value;
const addressedTo = (to: unknown, email: string): boolean =>
  (Array.isArray(to) ? to : [to]).some(
    (t) => typeof t === "string" && t.toLowerCase().includes(email.toLowerCase()),
  );

interface LogLine {
  at?: unknown;
  level?: unknown;
  msg?: unknown;
  [k: string]: unknown;
}
function jsonLines(logs: readonly string[]): LogLine[] {
  const out: LogLine[] = [];
  for (const line of logs) {
    const start = line.indexOf("{");
    if (start < 0) continue;
    try {
      const v: unknown = JSON.parse(line.slice(start));
      if (v && typeof v === "object" && !Array.isArray(v) && "msg" in v) out.push(v as LogLine);
    } catch {
      /* not a JSON log line */
    }
  }
  return out;
}

/** Subscribes on the home page's newsletter form: the snippet's form_submit identifies. */
async function subscribe(stack: Pick<Stack, "demo">, page: Page, email: string, firstName: string) {
  await page.goto(`${stack.demo}/`);
  await page.fill("#newsletter input[name=email]", email);
  await page.fill("#newsletter input[name=first_name]", firstName);
  await Promise.all([page.waitForURL(/\/thanks/), page.click("#newsletter button[type=submit]")]);
}

/** Views a product and adds it to the cart; returns when the store shows it was added. */
async function addToCart(stack: Pick<Stack, "demo">, page: Page, product: string): Promise<number> {
  await page.goto(`${stack.demo}/p/${product}`);
  await page.click("#add-to-cart");
  await page.waitForSelector("#added:not([hidden])");
  return Date.now();
}

async function placeOrder(stack: Pick<Stack, "demo">, page: Page, email: string) {
  await page.goto(`${stack.demo}/checkout`);
  await page.fill("#checkout input[type=email]", email);
  await page.fill("#checkout input[name=card]", "4242 4242 4242 4242");
  await Promise.all([page.waitForURL(/\/order/), page.click("#place-order")]);
  await page.waitForSelector("#order-id");
}

/** Leaves the store the way a shopper does: navigate away (pagehide flushes), then close. */
async function leave(page: Page) {
  await page.goto("about:blank");
  await page.close();
}

async function contact(stack: Stack, email: string) {
  const res = await stack.admin(await stack.contactPath(SITE, email));
  if (res.status !== 200) return null;
  return (await res.json()) as {
    suppressed: { reason: string; at: number } | null;
    sends: { key: string; outcome: string; reason?: string }[];
  };
}

interface Funnel {
  sent: number;
  clicked: number;
  converted: number;
  revenue: Record<string, number>;
}
interface StatsReport {
  triggers: { trigger: string; funnel: Funnel }[];
}

describe("the demo config", () => {
  it("keeps every delay short enough that a person sees the email within a minute", () => {
    for (const t of demoTriggers) {
      for (const s of t.steps ?? []) {
        expect(durationMs(s.wait ?? "0s"), `${t.id} wait ${s.wait}`).toBeLessThanOrEqual(30_000);
      }
    }
    const cart = demoTriggers.find((t) => t.id === "cart-abandoned");
    expect(durationMs(cart?.steps?.[0]?.wait ?? "1d")).toBeLessThanOrEqual(30_000);
  });
});

describe.skipIf(!hasChromium)("end to end in Chromium on wrangler dev", () => {
  let browser: Browser;
  let dev: Stack;
  let live: Stack;
  let fake: FakeResend;
  printStackLogsOnFailure(() => ({ dev, live }));

  beforeAll(async () => {
    fake = await startFakeResend({ apiKey: "re_test_key" });
    [browser, dev, live] = await Promise.all([
      launchChromium(),
      startStack({ site: SITE, config: testConfig() }),
      startStack({
        site: SITE,
        config: testConfig({ singleCartStep: true }),
        vars: { RESEND_API_KEY: "re_test_key", RESEND_BASE_URL: fake.url },
      }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([dev?.stop(), live?.stop(), fake?.close()]);
  });

  describe("A: dev outbox", () => {
    let ctx: BrowserContext;
    let abandonment: OutboxEmail;

    beforeAll(async () => {
      ctx = await browser.newContext({ timezoneId: "Europe/Berlin" });
    });
    afterAll(async () => {
      await ctx?.close();
    });

    it("emails a shopper who left a cart, in the outbox JSON and HTML", async () => {
      const page = await ctx.newPage();
      await subscribe(dev, page, people.ada, "Ada");
      await waitFor(() => contact(dev, people.ada), "Ada's contact after the newsletter form");
      const addedAt = await addToCart(dev, page, "tote-canvas");
      await leave(page);

      abandonment = await waitFor(
        async () =>
          (await outbox(dev)).find(
            (e) => addressedTo(e.to, people.ada) && tagOf(e.tags, "trigger") === "cart-abandoned",
          ),
        "the cart-abandoned email to Ada in /_dev/outbox.json",
        STEP_WAIT_MS + DELIVERY_MS,
      );
      const lag = Date.parse(abandonment.at) - addedAt;
      console.log(`cart-abandoned email in the outbox ${lag} ms after add-to-cart`);
      expect(lag).toBeGreaterThanOrEqual(STEP_WAIT_MS - 1000);
      expect(abandonment.subject).toBe("You left something behind");
      expect(abandonment.html).toContain("Waxed Canvas Tote");
      // The form's first-name field names her: the emails greet her by it.
      expect(abandonment.text).toContain("Hi Ada,");
      expect(abandonment.headers["List-Unsubscribe"]).toMatch(/<http:\/\/127\.0\.0\.1:\d+\/u\//);
      expect(abandonment.headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");

      const list = await fetch(`${dev.worker}/_dev/outbox`);
      expect(list.status).toBe(200);
      expect(list.headers.get("content-type")).toMatch(/text\/html/);
      const html = await list.text();
      expect(html).toContain("You left something behind");
      expect(html).toContain(people.ada);
    });

    it("the email's cart button brings the same cart back in a fresh browser", async () => {
      expect(abandonment, "needs the email from the first test").toBeTruthy();
      const escaped = dev.worker.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      const href = new RegExp(
        `href="(${escaped}/c/[^"]+)"[^>]*>\\s*Return to your cart\\s*</a>`,
      ).exec(abandonment.html)?.[1];
      expect(href, "the cart button's /c/ link").toBeTruthy();
      // Another browser profile: no local cart, no cookies, nothing of Ada's first device.
      const other = await browser.newContext({ timezoneId: "Europe/Berlin" });
      try {
        const page = await other.newPage();
        const landed = await page.goto(href ?? "");
        const location = (await landed?.request().redirectedFrom()?.response())?.headers()[
          "location"
        ];
        expect(new URL(location ?? "http://x/").pathname).toBe("/cart");
        expect(new URL(location ?? "http://x/").searchParams.get("nudge_cart")).toBeTruthy();
        await waitFor(
          async () => (await page.textContent("#cart"))?.includes("Waxed Canvas Tote") || null,
          "the restored cart on the other device",
        );
        expect(await page.textContent("#cart-count")).toBe("1");
        expect(page.url()).not.toContain("nudge_cart");
        // Empty it again, so this device's new cart starts no reminder of its own.
        await page.click("button[data-remove]");
        await waitFor(
          async () => (await page.textContent("#cart"))?.includes("empty") || null,
          "the emptied cart",
        );
      } finally {
        await other.close();
      }
    });

    it("the email's link lands on the store with nudge_t, and the purchase converts", async () => {
      expect(abandonment, "needs the email from the previous test").toBeTruthy();
      const escaped = dev.worker.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      // The product's own link in the item list (the logo and the button go to the shop/cart).
      const href = new RegExp(
        `href="(${escaped}/c/[^"]+)"[^>]*>\\s*Waxed Canvas Tote\\s*</a>`,
      ).exec(abandonment.html)?.[1];
      expect(href, "a /c/ click link in the email").toBeTruthy();

      const page = await ctx.newPage();
      const landed = await page.goto(href ?? "");
      const hop = landed?.request().redirectedFrom();
      const hopResponse = await hop?.response();
      expect(hop?.url()).toBe(href);
      expect(hopResponse?.status()).toBe(302);
      const location = hopResponse?.headers()["location"] ?? "";
      expect(location.startsWith(`${dev.demo}/`), location).toBe(true);
      expect(new URL(location).searchParams.get("nudge_t")).toMatch(/\S{16,}/);
      expect(new URL(location).pathname).toBe("/p/tote-canvas");
      // The snippet takes the identity token out of the address bar once it has read it.
      await waitFor(
        async () => page.url() === `${dev.demo}/p/tote-canvas`,
        "nudge_t removed from the address bar",
      );

      await placeOrder(dev, page, people.ada);
      await leave(page);

      const cart = await waitFor(
        async () => {
          const res = await dev.admin(`/admin/api/stats?site=${SITE}`);
          if (res.status !== 200) return null;
          const t = ((await res.json()) as StatsReport).triggers.find(
            (x) => x.trigger === "cart-abandoned",
          );
          return t && t.funnel.converted >= 1 ? t : null;
        },
        "a cart-abandoned conversion in /admin/api/stats",
        20_000,
      );
      expect(cart.funnel.sent).toBeGreaterThanOrEqual(1);
      expect(cart.funnel.clicked).toBeGreaterThanOrEqual(1);
      expect(cart.funnel.converted).toBeGreaterThanOrEqual(1);
      expect(cart.funnel.revenue["EUR"]).toBe(45);
    });

    it("a purchase before the step is due cancels it: no abandonment email", async () => {
      const grace = await browser.newContext({ timezoneId: "America/New_York" });
      const page = await grace.newPage();
      await subscribe(dev, page, people.grace, "Grace");
      const vid = await visitorIdOf(page);
      const addedAt = await addToCart(dev, page, "mug-classic");
      await placeOrder(dev, page, people.grace);
      await leave(page);
      await grace.close();

      // Positive controls: the purchase reached the engine (its order email was decided, and
      // held back because a browser's purchase does not make an address verified; the episode
      // was cancelled), so the absence below means something.
      await waitFor(
        async () =>
          jsonLines(dev.logs).find(
            (l) =>
              l.msg === "send.skipped" &&
              l.vid === vid &&
              l.trigger === "thank-you" &&
              l.reason === "unverified",
          ),
        "Grace's thank-you decided (unverified address)",
      );
      await waitFor(
        async () =>
          jsonLines(dev.logs).find(
            (l) => l.msg === "episode.cancelled" && l.vid === vid && l.trigger === "cart-abandoned",
          ),
        "episode.cancelled for Grace's cart",
      );
      // Past the due time, with the same slack the positive test allows for delivery.
      const until = addedAt + STEP_WAIT_MS + 5000;
      await new Promise((r) => setTimeout(r, Math.max(0, until - Date.now())));
      const mails = (await outbox(dev)).filter((e) => addressedTo(e.to, people.grace));
      expect(mails.map((e) => tagOf(e.tags, "trigger"))).not.toContain("cart-abandoned");
      expect(mails.map((e) => e.subject)).not.toContain("You left something behind");
    });

    it("exports and erases a contact by its id: lookup, GET export, DELETE", async () => {
      // Grace's part is over: her record can go. The address travels only in the lookup's body.
      const path = await dev.contactPath(SITE, people.grace);
      expect(path).toMatch(/^\/admin\/api\/contacts\/demo\/[0-9a-f]{24}$/);
      const exported = await dev.admin(`${path}/export`);
      expect(exported.status).toBe(200);
      const data = (await exported.json()) as {
        contact: { visitors: string[] };
        visitors: { vid: string; state: { profile: { email: string } } | null }[];
      };
      expect(data.visitors.length).toBeGreaterThan(0);
      expect(data.visitors.some((v) => v.state?.profile.email === people.grace)).toBe(true);
      const del = await dev.admin(path, { method: "DELETE" });
      expect(del.status).toBe(200);
      expect(await del.json()).toMatchObject({ erased: true });
      const gone = await dev.admin(path);
      expect(gone.status).toBe(404);
      await gone.text();
    });
  });

  describe("B: Resend", () => {
    let ctx: BrowserContext;
    let sent: RecordedSend;

    beforeAll(async () => {
      ctx = await browser.newContext({ timezoneId: "Europe/London" });
    });
    afterAll(async () => {
      await ctx?.close();
    });

    it("has no dev outbox when RESEND_API_KEY is set", async () => {
      expect((await fetch(`${live.worker}/_dev/outbox`)).status).toBe(404);
      expect((await fetch(`${live.worker}/_dev/outbox.json`)).status).toBe(404);
    });

    it("sends one contract-valid abandonment email through Resend", async () => {
      const page = await ctx.newPage();
      await page.goto(`${live.demo}/`);
      // A logged-in shopper: the store identifies them through the snippet's API.
      await page.evaluate((email) => {
        const w = window as unknown as { nudge: (...args: unknown[]) => void };
        w.nudge("identify", { email, first_name: "Bea" });
      }, people.bea);
      await waitFor(() => contact(live, people.bea), "Bea's contact after identify");
      await addToCart(live, page, "tee-organic");
      await leave(page);

      sent = await waitFor(
        async () => fake.sends.find((s) => addressedTo(s.body["to"], people.bea)),
        "the email at the fake Resend",
        STEP_WAIT_MS + DELIVERY_MS,
      );
      // Give a duplicate (a retry, an alarm re-run) a moment to show up before counting.
      await new Promise((r) => setTimeout(r, 1500));
      expect(fake.sends.filter((s) => addressedTo(s.body["to"], people.bea))).toHaveLength(1);
      expect(fake.requests).toHaveLength(1);
      expect(fake.requests[0]).toMatchObject({ method: "POST", path: "/emails", status: 200 });
      expect(fake.requests[0]?.outcome).toBe("sent");
      expect(sent.idempotencyKey).toMatch(/\S/);
      expect(sent.body["subject"]).toBe("You left something behind");

      const headers = sent.body["headers"] as Record<string, string>;
      expect(headers["List-Unsubscribe"]).toMatch(/<http:\/\/127\.0\.0\.1:\d+\/u\/[^>]+>/);
      expect(headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
      const tags = sent.body["tags"] as { name: string; value: string }[];
      expect(tags.length).toBeGreaterThan(0);
      for (const t of tags) {
        expect(t.name).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(t.value).toMatch(/^[A-Za-z0-9_-]+$/);
      }
    });

    it("one-click unsubscribe suppresses the contact, and a later abandonment sends nothing", async () => {
      expect(sent, "needs the email from the previous test").toBeTruthy();
      const headers = sent.body["headers"] as Record<string, string>;
      const url = /<(http[^>]+\/u\/[^>]+)>/.exec(headers["List-Unsubscribe"] ?? "")?.[1] ?? "";
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "List-Unsubscribe=One-Click",
        redirect: "manual",
      });
      expect(res.status).toBe(200);
      const snap = await contact(live, people.bea);
      expect(snap?.suppressed?.reason).toBe("unsubscribed");

      const before = fake.requests.length;
      const page = await ctx.newPage();
      const vid = await (async () => {
        await page.goto(`${live.demo}/`);
        return visitorIdOf(page);
      })();
      const addedAt = await addToCart(live, page, "notebook-a5");
      await leave(page);
      // Positive control: the new episode's step came due and was refused for suppression.
      const skipped = await waitFor(
        async () =>
          jsonLines(live.logs).find(
            (l) =>
              l.msg === "send.skipped" &&
              l.vid === vid &&
              l.trigger === "cart-abandoned" &&
              l.reason === "suppressed",
          ),
        "send.skipped (suppressed) for Bea's second cart",
        STEP_WAIT_MS + DELIVERY_MS,
      );
      expect(skipped).toBeTruthy();
      const until = addedAt + STEP_WAIT_MS + 3000;
      await new Promise((r) => setTimeout(r, Math.max(0, until - Date.now())));
      expect(fake.requests.length).toBe(before);
      expect(fake.sends.filter((s) => addressedTo(s.body["to"], people.bea))).toHaveLength(1);
    });
  });

  describe("C: logs", () => {
    const captured = () => [
      ...dev.logs.map((line) => ({ stack: "dev", line })),
      ...live.logs.map((line) => ({ stack: "resend", line })),
    ];

    it("name no email address of the run, plain, URL-encoded or inside a token", () => {
      const lines = captured();
      console.log(`scanned ${lines.length} log lines from wrangler dev (2 stacks) for PII`);
      expect(lines.length).toBeGreaterThan(0);
      const needles = [
        ...EMAILS.map((e) => e.toLowerCase()),
        ...EMAILS.map((e) => encodeURIComponent(e).toLowerCase()),
        ...DOMAINS.flatMap((d) => [`@${d}`, `%40${d}`]),
      ];
      const leaks = lines.filter(({ line }) => {
        const l = line.toLowerCase();
        return needles.some((n) => l.includes(n)) || decodedTokensLeak(line);
      });
      expect(leaks.map((x) => `[${x.stack}] ${x.line}`)).toEqual([]);
      // Positive control: wrangler logged the admin contact calls of the run (lookup, GET,
      // export, DELETE), each request line naming the contact by id only.
      const route = `^\\[wrangler:info\\] (?:GET|POST|DELETE) /admin/api/contacts/${SITE}/`;
      const byId = new RegExp(`${route}(?:lookup|[0-9a-f]{24}(?:/export)?) \\d{3} `);
      const contactLines = lines.filter(({ line }) => new RegExp(route).test(line));
      console.log(`${contactLines.length} access-log lines of the admin contact routes`);
      expect(contactLines.filter(({ line }) => !byId.test(line))).toEqual([]);
      for (const call of [
        /POST \S+\/lookup 200 /,
        /GET \S+\/[0-9a-f]{24} 200 /,
        /GET \S+\/[0-9a-f]{24}\/export 200 /,
        /DELETE \S+\/[0-9a-f]{24} 200 /,
      ])
        expect(
          contactLines.some(({ line }) => call.test(line)),
          String(call),
        ).toBe(true);
    });

    it("are one JSON object per decision with at, level, msg (and site, trigger on sends)", () => {
      const json = captured().flatMap(({ stack, line }) =>
        jsonLines([line]).map((l) => ({ stack, line, l })),
      );
      console.log(`checked the shape of ${json.length} JSON log lines`);
      expect(json.length).toBeGreaterThan(10);
      const bad: string[] = [];
      for (const { stack, line, l } of json) {
        const at = typeof l.at === "string" ? l.at : "";
        if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(at) || Number.isNaN(Date.parse(at)))
          bad.push(`[${stack}] at: ${line}`);
        if (typeof l.level !== "string" || !["debug", "info", "warn", "error"].includes(l.level))
          bad.push(`[${stack}] level: ${line}`);
        if (typeof l.msg !== "string" || !l.msg) bad.push(`[${stack}] msg: ${line}`);
        if (typeof l.msg === "string" && /^send\.(ok|skipped|failed)$/.test(l.msg)) {
          if (typeof l.site !== "string" || typeof l.trigger !== "string")
            bad.push(`[${stack}] site/trigger: ${line}`);
        }
      }
      expect(bad).toEqual([]);
      const msgs = new Set(json.map(({ l }) => l.msg));
      for (const m of ["event.accepted", "episode.started", "episode.cancelled", "send.ok"])
        expect(msgs, m).toContain(m);
      expect(json.some(({ l }) => l.msg === "send.skipped" && l.reason === "suppressed")).toBe(
        true,
      );
    });
  });
});

/** Token-looking runs (base64url) that decode to text naming one of the run's addresses. */
function decodedTokensLeak(line: string): boolean {
  for (const m of line.matchAll(/[A-Za-z0-9_-]{24,}/g)) {
    const text = Buffer.from(m[0], "base64url").toString("latin1").toLowerCase();
    if (EMAILS.some((e) => text.includes(e.toLowerCase()))) return true;
    if (DOMAINS.some((d) => text.includes(`@${d}`))) return true;
  }
  return false;
}

// ---- D: `npm start` on a fresh copy of the repository ----

async function shopperSeesEmail(worker: string, demo: string) {
  const first = demoTriggers.find((t) => t.id === "cart-abandoned")?.steps?.[0]?.wait ?? "20s";
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await subscribe({ demo }, page, people.dora, "Dora");
    const addedAt = await addToCart({ demo }, page, "notebook-a5");
    await leave(page);
    const mail = await waitFor(
      async () => {
        const res = await fetch(`${worker}/_dev/outbox.json`);
        const { emails } = (await res.json()) as { emails: OutboxEmail[] };
        return emails.find(
          (e) => addressedTo(e.to, people.dora) && tagOf(e.tags, "trigger") === "cart-abandoned",
        );
      },
      "the demo's cart-abandoned email in npm start's dev outbox",
      durationMs(first) + DELIVERY_MS,
    );
    const lag = Date.parse(mail.at) - addedAt;
    console.log(`npm start: cart-abandoned email in the outbox ${lag} ms after add-to-cart`);
    expect(lag).toBeLessThan(60_000);
    // As the README says: the emails greet her by the first name she gave, the welcome too.
    expect(mail.text).toContain("Dora");
    const res = await fetch(`${worker}/_dev/outbox.json`);
    const { emails } = (await res.json()) as { emails: OutboxEmail[] };
    const welcome = emails.find(
      (e) => addressedTo(e.to, people.dora) && tagOf(e.tags, "trigger") === "welcome",
    );
    expect(welcome?.text).toContain("Dora");
  } finally {
    await browser.close();
  }
}

async function portFree(port: number): Promise<boolean> {
  const s = createServer();
  return new Promise((resolve) => {
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

/** Every descendant of `pid` (ps snapshot), so we can check each one is gone afterwards. */
function descendants(pid: number): number[] {
  const rows = execFileSync("ps", ["-e", "-o", "pid=,ppid="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((r) => r.trim().split(/\s+/).map(Number));
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift();
    for (const [child, parent] of rows) {
      if (parent === p && child !== undefined && !out.includes(child)) {
        out.push(child);
        queue.push(child);
      }
    }
  }
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("D: npm start on a fresh clone", () => {
  let dir = "";
  let child: ChildProcess | undefined;
  let tree: number[] = [];

  afterAll(() => {
    // Whatever happened, nothing this test started keeps running.
    for (const pid of [child?.pid ?? 0, ...tree].filter(Boolean)) {
      if (alive(pid)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          /* gone */
        }
      }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("serves the snippet and the store, seeds KV, emails within a minute, and stops cleanly", async () => {
    // A fresh clone: the tracked and new files of the working tree, without .dev.vars,
    // .wrangler/ or anything generated (node_modules is linked: `npm install` is not the test).
    dir = mkdtempSync(join(tmpdir(), "nudge-fresh-"));
    const files = execFileSync(
      "git",
      ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
      {
        cwd: ROOT,
        encoding: "utf8",
      },
    )
      .split("\0")
      // A work tree whose node_modules is a symlink lists it as an untracked file.
      .filter((f) => f && f !== "node_modules");
    for (const f of files) {
      if (!existsSync(join(ROOT, f))) continue; // deleted in the working tree
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      cpSync(join(ROOT, f), join(dir, f));
    }
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
    expect(existsSync(join(dir, ".dev.vars"))).toBe(false);
    expect(existsSync(join(dir, ".wrangler"))).toBe(false);

    // Never the default ports: the demo's tag and its seeded origins must follow these.
    const [workerPort, demoPort] = [await freePort(), await freePort()];
    expect([workerPort, demoPort]).not.toContain(8787);
    expect([workerPort, demoPort]).not.toContain(8080);
    const out: string[] = [];
    child = spawn("npm", ["start"], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
      env: {
        ...process.env,
        NUDGE_WORKER_PORT: String(workerPort),
        NUDGE_DEMO_PORT: String(demoPort),
      },
    });
    const verbose = process.env.NUDGE_TEST_VERBOSE === "1";
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on("data", (b: Buffer) => {
        out.push(b.toString());
        if (verbose) process.stderr.write(b);
      });
    }
    onTestFailed(() => console.log(`npm start output:\n${out.join("").slice(-3000)}`));
    const worker = `http://127.0.0.1:${workerPort}`;
    const demo = `http://127.0.0.1:${demoPort}`;

    const ok = async (url: string, init?: RequestInit) => {
      try {
        const res = await fetch(url, init);
        return res.status === 200 ? res : null;
      } catch {
        return null;
      }
    };
    // The banner comes once both answer: at that moment, without waiting, they do.
    await waitFor(
      async () => (out.join("").includes("Nudge is running") ? true : null),
      "npm start's banner",
      90_000,
    );
    expect(await ok(`${worker}/_ping`)).toBeTruthy();
    const store = await ok(`${demo}/`);
    expect(await store?.text()).toContain(`${worker}/nudge.js`);
    const snippet = await ok(`${worker}/nudge.js`);
    expect(snippet?.headers.get("content-type")).toMatch(/javascript/);
    expect((await snippet?.text())?.length).toBeGreaterThan(500);
    const text = out.join("");
    expect(text.split("Nudge is running")).toHaveLength(2);
    expect(text).toContain(`demo store   ${demo}`);
    expect(text).toContain(`dev outbox   ${worker}/_dev/outbox`);
    expect(text).toContain("admin token: dev-admin-token");
    // wrangler's config warning, printed by each of its runs, is shown once.
    expect(text.split('"secrets" fields are experimental').length).toBeLessThanOrEqual(2);
    // The seeded config allows the store's origin on its port: an event from it is taken.
    const accepted = await fetch(`${worker}/e`, {
      method: "POST",
      headers: { origin: demo, "content-type": "text/plain" },
      body: JSON.stringify({
        site: SITE,
        vid: `probe-visitor-${run}-0000`,
        events: [{ id: `probe-${run}-page`, name: "page", url: `${demo}/`, data: {} }],
      }),
    });
    expect(accepted.status).toBe(202);
    // Seeded: the site exists (404 unknown_site otherwise) and the dev outbox is on.
    const auth = { headers: { authorization: "Bearer dev-admin-token" } };
    expect(await ok(`${worker}/admin/api/stats?site=demo`, auth)).toBeTruthy();
    expect(await ok(`${worker}/_dev/outbox.json`)).toBeTruthy();
    expect(existsSync(join(dir, ".dev.vars"))).toBe(true);
    // NUDGE_ENV is development: the dev routes answer (POST /_dev/stats with the admin token).
    const seeded = await fetch(`${worker}/_dev/stats`, {
      method: "POST",
      headers: { ...auth.headers, "content-type": "application/json" },
      body: JSON.stringify({ events: [] }),
    });
    expect(seeded.status).toBe(202);
    // The worker's log lines are in the log file too (the catalog push after the banner).
    await waitFor(
      async () =>
        readFileSync(join(dir, ".nudge-local/nudge.log"), "utf8").includes(
          '"msg":"catalog.updated"',
        ) || null,
      "the worker's JSON lines in .nudge-local/nudge.log",
      15_000,
    );

    // What a person does next: shop, leave, and see the abandonment email in the dev outbox
    // within a minute, with the demo config's own (unshortened) delays.
    if (!hasChromium) note("SKIPPING the shopper part of npm start: no Chromium");
    else await shopperSeesEmail(worker, demo);

    // The hard way to stop it: SIGTERM to npm alone (npm does not pass it on to its script).
    tree = descendants(child.pid ?? 0);
    expect(tree.length).toBeGreaterThan(2);
    const exited = new Promise((r) => child?.once("exit", r));
    process.kill(child.pid ?? 0, "SIGTERM");
    await exited;
    const survivors = await waitFor(
      async () => (tree.some(alive) ? null : { none: true }),
      "every process npm start started to exit",
      15_000,
    ).catch(() => tree.filter(alive));
    expect(survivors).toEqual({ none: true });
    expect(await portFree(workerPort)).toBe(true);
    expect(await portFree(demoPort)).toBe(true);
  }, 240_000);
});
