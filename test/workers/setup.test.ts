// What the worker says is not configured yet, on the real worker in workerd: GET /admin/api/setup
// and the dashboard list the missing secrets (never the set ones, never a value), the log says it
// once per isolate, Resend webhooks without their secret are refused with 503 and change nothing,
// and the outbox of a worker without RESEND_API_KEY is readable at /admin/outbox, signed in only.
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import app from "../../worker/index.ts";
import { resetSetupLog } from "../../worker/config/setup-log.ts";
import type { SetupItem } from "../../worker/config/setup.ts";
import { svixSign } from "../../worker/ingest/svix.ts";
import { contactHash } from "../../worker/lib/crypto.ts";
import type { OutboxJsonItem } from "../../worker/mail/outbox-view.ts";
import {
  ADMIN,
  contactPath,
  eventId,
  getJson,
  newVid,
  post,
  seedSite,
  uniqueEmail,
} from "./helpers.ts";

const SITE = "setup";
const SHOP = "setupshop";
const WEBHOOK_SECRET = "whsec_dGVzdC13ZWJob29rLXNlY3JldA==";

beforeAll(async () => {
  await seedSite(SITE, {
    triggers: [
      {
        id: "cart-abandoned",
        on: "cart",
        steps: [
          {
            wait: "0s",
            template: "cart-abandoned",
            subject: "Your cart, {{ contact.first_name }}",
          },
        ],
      },
    ],
  });
  await seedSite(SHOP, { platform: "shopify" });
});

afterEach(() => vi.restoreAllMocks());

const request = (path: string, init: RequestInit, over: Partial<Env> = {}) =>
  app.request(`http://nudge.test${path}`, init, { ...env, ...over });

async function setupOf(over: Partial<Env> = {}, headers: Record<string, string> = ADMIN) {
  const res = await request("/admin/api/setup", { headers }, over);
  expect(res.status).toBe(200);
  return res.json<{ env: string; items: SetupItem[] }>();
}

/** A shopper who left a cart: an email goes to the outbox (the test worker has no Resend key). */
async function abandonCart(email: string) {
  const vid = newVid();
  const res = await post({
    site: SITE,
    vid,
    events: [
      { id: eventId(), name: "identify", data: { email, first_name: "Ada" } },
      {
        id: eventId(),
        name: "cart",
        data: { items: [{ id: "mug", name: "Mug", price: 12.5, quantity: 2 }], currency: "EUR" },
      },
    ],
  });
  expect(res.status).toBe(202);
  await runDurableObjectAlarm(env.VISITORS.get(env.VISITORS.idFromName(`${SITE}:${vid}`)));
  const end = Date.now() + 5_000;
  while (Date.now() < end) {
    const json = await (await getJson("/admin/outbox.json")).json<{ emails: OutboxJsonItem[] }>();
    const mine = json.emails.filter((e) => e.to === email);
    if (mine.length) return mine;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no email to ${email}`);
}

describe("GET /admin/api/setup", () => {
  it("lists what is missing and not what is set, by name only", async () => {
    const report = await setupOf();
    expect(report.env).toBe("test");
    // The test worker has every secret but the Resend key.
    expect(report.items.map((i) => i.name)).toEqual(["RESEND_API_KEY"]);
    expect(report.items[0]).toMatchObject({
      problem: "missing",
      consequence: expect.stringContaining("/admin/outbox"),
      fix: "npx wrangler secret put RESEND_API_KEY",
    });

    const bare = await setupOf({
      RESEND_WEBHOOK_SECRET: "",
      SHOPIFY_WEBHOOK_SECRET: "",
      STRIPE_WEBHOOK_SECRET: "",
    });
    // The Shopify secret is missing for a site on Shopify; no site says Stripe.
    expect(bare.items.map((i) => i.name).sort()).toEqual([
      "RESEND_API_KEY",
      "RESEND_WEBHOOK_SECRET",
      "SHOPIFY_WEBHOOK_SECRET",
    ]);
    expect(bare.items.find((i) => i.name === "SHOPIFY_WEBHOOK_SECRET")?.consequence).toContain(
      SHOP,
    );
    const text = JSON.stringify(bare);
    for (const value of [
      env.ADMIN_TOKEN,
      env.NUDGE_SECRET,
      String((env as Env).NUDGE_SERVER_KEY),
      "test-woo-secret",
    ])
      expect(text).not.toContain(value);
  });

  it("a first production deploy (two secrets) serves and reports the rest", async () => {
    const token = "p".repeat(40);
    const prod: Partial<Env> = {
      NUDGE_ENV: "production",
      ADMIN_TOKEN: token,
      NUDGE_SECRET: "s".repeat(40),
      RESEND_WEBHOOK_SECRET: "",
      NUDGE_SERVER_KEY: "",
      PUBLIC_URL: "",
    };
    const report = await setupOf(prod, { authorization: `Bearer ${token}` });
    expect(report.items.map((i) => `${i.name}:${i.severity}`)).toEqual([
      "RESEND_API_KEY:warning",
      "PUBLIC_URL:warning",
      "RESEND_WEBHOOK_SECRET:info",
      "NUDGE_SERVER_KEY:info",
    ]);
    expect(JSON.stringify(report)).not.toContain(token);
    expect((await request("/admin/api/setup", {}, prod)).status).toBe(401);
  });

  it("the dashboard shows each item with its consequence and fix at the top", async () => {
    const res = await request("/admin", { headers: ADMIN }, { RESEND_WEBHOOK_SECRET: "" });
    expect(res.status).toBe(200);
    const html = await res.text();
    const setup = /<section class="panel setup"[\s\S]*?<\/section>/.exec(html)?.[0] ?? "";
    expect(setup).toContain("Not configured yet");
    expect(setup).toContain("npx wrangler secret put RESEND_API_KEY");
    expect(setup).toContain("npx wrangler secret put RESEND_WEBHOOK_SECRET");
    expect(setup).toContain(`<a href="/admin/outbox">/admin/outbox</a>`);
    expect(setup).not.toContain("NUDGE_SERVER_KEY");
    expect(html.indexOf("Not configured yet")).toBeLessThan(html.indexOf(`<div class="title">`));
  });
});

describe("config.unconfigured log line", () => {
  it("is written once per isolate, naming the secrets, never their values", async () => {
    resetSetupLog();
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    const over = { RESEND_WEBHOOK_SECRET: "", SHOPIFY_WEBHOOK_SECRET: "" };
    expect((await request("/_ping", {}, over)).status).toBe(200);
    expect((await request("/nudge.js", {}, over)).status).toBe(200);
    const mine = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === "config.unconfigured");
    expect(mine).toEqual([
      {
        at: expect.any(String),
        level: "info",
        msg: "config.unconfigured",
        reason: "RESEND_API_KEY,RESEND_WEBHOOK_SECRET",
        detail: "RESEND_API_KEY:missing,RESEND_WEBHOOK_SECRET:missing",
      },
    ]);
  });

  it("is a warning when production is missing something it needs", async () => {
    resetSetupLog();
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    const secret = "s".repeat(40);
    await request(
      "/_ping",
      {},
      { NUDGE_ENV: "production", ADMIN_TOKEN: secret, NUDGE_SECRET: secret, PUBLIC_URL: "" },
    );
    const line = lines.find((l) => l.includes("config.unconfigured")) ?? "";
    expect(JSON.parse(line)).toMatchObject({ level: "warn", reason: "RESEND_API_KEY,PUBLIC_URL" });
    expect(line).not.toContain(secret);
  });
});

describe("POST /webhooks/resend without RESEND_WEBHOOK_SECRET", () => {
  it("answers 503 not_configured and records nothing", async () => {
    const email = uniqueEmail("nowebhook");
    await abandonCart(email);
    const body = JSON.stringify({
      type: "email.bounced",
      created_at: new Date().toISOString(),
      data: {
        email_id: crypto.randomUUID(),
        created_at: new Date().toISOString(),
        from: "Shop <shop@example.com>",
        to: [email],
        subject: "s",
        tags: { site: SITE, contact: await contactHash(env.NUDGE_SECRET, SITE, email) },
        bounce: { type: "Permanent", subType: "General", message: "no such mailbox" },
      },
    });
    const id = `msg_${crypto.randomUUID()}`;
    const ts = Math.floor(Date.now() / 1000);
    const sig = await svixSign(WEBHOOK_SECRET, id, ts, body);
    const init = () => ({
      method: "POST",
      headers: { "svix-id": id, "svix-timestamp": String(ts), "svix-signature": `v1,${sig}` },
      body,
    });
    // Never set (production without the secret) and set empty.
    for (const missing of [undefined, ""]) {
      const refused = await request("/webhooks/resend", init(), {
        RESEND_WEBHOOK_SECRET: missing,
      });
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({ error: "not_configured" });
    }
    const contact = async () =>
      (await (await getJson(await contactPath(SITE, email))).json<{ suppressed: unknown }>())
        .suppressed;
    expect(await contact()).toBeNull();
    // The same delivery, once the secret is set, is new: the refused one left no trace.
    const accepted = await request("/webhooks/resend", init());
    expect(await accepted.json()).toEqual({ ok: true, duplicate: false });
    expect(await contact()).toMatchObject({ reason: "bounced" });
  });
});

describe("GET /admin/outbox", () => {
  it("needs the admin; lists a kept email; does not exist once RESEND_API_KEY is set", async () => {
    const email = uniqueEmail("outbox");
    const [kept] = await abandonCart(email);
    const anonymous = await request("/admin/outbox", {});
    expect(anonymous.status).toBe(401);
    const signIn = await anonymous.text();
    expect(signIn).toContain('name="next" value="/admin/outbox"');
    expect(signIn).not.toContain(email);
    expect((await request("/admin/outbox.json", {})).status).toBe(401);
    expect(
      (await request("/admin/outbox", { headers: { authorization: "Bearer wrong" } })).status,
    ).toBe(401);

    // Production too: the outbox is where a deployment without a Resend key keeps its email.
    const token = "p".repeat(40);
    const prod: Partial<Env> = {
      NUDGE_ENV: "production",
      ADMIN_TOKEN: token,
      NUDGE_SECRET: "n".repeat(40),
    };
    const res = await request(
      "/admin/outbox",
      { headers: { authorization: `Bearer ${token}` } },
      prod,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    const page = await res.text();
    expect(page).toContain(email);
    expect(page).toContain(kept!.subject);
    expect(page).not.toMatch(/\/o\/[A-Za-z0-9_.-]+/);
    expect((await request("/_dev/outbox", {}, prod)).status).toBe(404);

    const withKey = await request(
      "/admin/outbox",
      { headers: ADMIN },
      { RESEND_API_KEY: "re_test" },
    );
    expect(withKey.status).toBe(404);
    expect(
      (await request("/admin/outbox.json", { headers: ADMIN }, { RESEND_API_KEY: "re_test" }))
        .status,
    ).toBe(404);
  });
});
