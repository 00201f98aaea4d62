// Attacks a hostile browser can make, replayed on the real worker in workerd. Each must stay
// within the limits the site sets, whatever the triggers say.
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { svixSign } from "../../worker/ingest/svix.ts";
import { contactHash } from "../../worker/lib/crypto.ts";
import { signToken } from "../../worker/mail/tokens.ts";
import { dev } from "../../worker/routes/dev.ts";
import app from "../../worker/index.ts";
import {
  contactPath,
  drain as drainVisitor,
  eventId,
  getJson,
  newVid,
  outboxTo,
  post,
  seedSite,
  uniqueEmail,
  verifyAddress,
} from "./helpers.ts";

const SITE = "abuse";
const DAILY_LIMIT = 10;
const SECRET = "test-nudge-secret-0123456789abcdef";

beforeAll(async () => {
  // Order mail exempt from the cap and re-entering on every purchase: the amplifier.
  await seedSite(SITE, {
    triggers: [
      {
        id: "thank-you",
        on: "purchase",
        frequencyCap: false,
        reentry: "always",
        steps: [{ wait: "0s", template: "thank-you", subject: "Thanks for your order" }],
      },
      {
        id: "cart-now",
        on: "cart",
        frequencyCap: false,
        steps: [
          {
            wait: "0s",
            template: "cart-abandoned",
            subject: "Still want {{ cart.items[0].name }}?",
          },
        ],
      },
      {
        // Keeps the page view's snapshot (and its URL) in the visitor's state for a day.
        id: "page-seen",
        on: "page",
        steps: [{ wait: "1d", template: "welcome", subject: "Hello" }],
      },
    ],
  });
});

const emailsTo = outboxTo;
const drain = (vid: string) => drainVisitor(SITE, vid);

const identify = (email: string, more: Record<string, string> = {}) => ({
  id: eventId(),
  name: "identify",
  data: { email, ...more },
});

const purchase = (n: number) => ({
  id: eventId(),
  name: "purchase",
  data: { order_id: `o${n}`, value: 1, currency: "EUR" },
});

async function skippedFor(email: string, reason: string): Promise<number> {
  const res = await getJson(await contactPath(SITE, email));
  const body = await res.json<{ sends: { outcome: string; reason?: string }[] }>();
  return body.sends.filter((s) => s.outcome === "skipped" && s.reason === reason).length;
}

describe("amplification", () => {
  /** One hostile batch: identify as the victim, then 30 purchases; its steps all run. */
  async function thirtyPurchases(victim: string) {
    const vid = newVid();
    const res = await post({
      site: SITE,
      vid,
      events: [identify(victim), ...Array.from({ length: 30 }, (_, i) => purchase(i))],
    });
    expect(res.status).toBe(202);
    await drain(vid);
  }

  it("a batch of 30 forged purchases sends no order mail to an address nobody verified", async () => {
    const victim = uniqueEmail("victim");
    await thirtyPurchases(victim);
    expect(await emailsTo(victim)).toHaveLength(0);
    expect(await skippedFor(victim, "unverified")).toBe(30);
  });

  it("one batch of 30 purchases sends a verified address at most dailyLimit emails", async () => {
    const victim = uniqueEmail("victim");
    await verifyAddress(SITE, victim);
    await thirtyPurchases(victim);
    expect(await emailsTo(victim)).toHaveLength(DAILY_LIMIT);
    expect(await skippedFor(victim, "daily_limit")).toBe(30 - DAILY_LIMIT);
  });

  it("many visitor ids naming one verified address share its ceiling", async () => {
    const victim = uniqueEmail("victim");
    await verifyAddress(SITE, victim);
    for (let v = 0; v < 8; v++) {
      const vid = newVid();
      const res = await post({
        site: SITE,
        vid,
        events: [identify(victim), purchase(2 * v), purchase(2 * v + 1)],
      });
      expect(res.status).toBe(202);
      await drain(vid);
    }
    expect(await emailsTo(victim)).toHaveLength(DAILY_LIMIT);
  });
});

describe("query-string leaks", () => {
  it("keeps only origin, path and utm_* of a page URL: nothing else reaches storage or email", async () => {
    const email = `leak.${crypto.randomUUID().slice(0, 8)}@example.com`;
    const vid = newVid();
    const url =
      "http://127.0.0.1:8080/account/reset?token=SECRET123&email=ada%40example.com&utm_source=mail#pw=hunter2";
    const res = await post({
      site: SITE,
      vid,
      events: [
        { id: eventId(), name: "identify", data: { email }, url },
        { id: eventId(), name: "page", url },
        { ...purchase(1), url },
      ],
    });
    expect(res.status).toBe(202);
    await drain(vid);
    const state = await (await getJson(`/admin/api/visitors/${SITE}/${vid}`)).text();
    expect(state).toContain("http://127.0.0.1:8080/account/reset?utm_source=mail");
    const mail = JSON.stringify(await emailsTo(email));
    for (const secret of ["SECRET123", "ada%40example.com", "hunter2"]) {
      expect(state).not.toContain(secret);
      expect(mail).not.toContain(secret);
    }
  });
});

describe("email links", () => {
  it("a signed destination with a newline or tab redirects cleanly, never a 500", async () => {
    for (const url of ["http://127.0.0.1:8080/a\nb", "http://127.0.0.1:8080/c\td?x=1\r\n"]) {
      const tok = await signToken(
        SECRET,
        {
          kind: "click",
          site: SITE,
          contact: "0".repeat(24),
          trigger: "thank-you",
          episode: "e1",
          step: 0,
          variant: null,
          url,
        },
        { now: Date.now() },
      );
      const res = await exports.default.fetch(`http://nudge.test/c/${tok}`, { redirect: "manual" });
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toMatch(/^http:\/\/127\.0\.0\.1:8080\/[a-z?=1]+$/);
    }
  });
});

describe("forged revenue", () => {
  const FORGED = "forged";
  const TRUSTING = "forged-trusting";

  /** A verified shopper who got the cart email and clicked it, then 20 browser "purchases". */
  async function clickThenForge(site: string) {
    const email = uniqueEmail("buyer");
    await verifyAddress(site, email);
    const vid = newVid();
    const cart = {
      id: eventId(),
      name: "cart",
      data: { items: [{ id: "mug", name: "Mug", price: 10, quantity: 1 }], currency: "EUR" },
    };
    await post({ site, vid, events: [identify(email), cart] });
    await drainVisitor(site, vid);
    const [mail] = await emailsTo(email);
    const click = /href="https?:\/\/[^"/]+(\/c\/[^"]+)"/.exec(mail!.html)?.[1];
    const res = await exports.default.fetch(`http://nudge.test${click!}`, { redirect: "manual" });
    expect(res.status).toBe(302);
    const forged = Array.from({ length: 20 }, (_, i) => ({
      id: eventId(),
      name: "purchase",
      data: { order_id: `forged-${i}`, value: 1e9, currency: "EUR" },
    }));
    expect((await post({ site, vid, events: forged })).status).toBe(202);
    const report = await (
      await getJson(`/admin/api/stats?site=${site}`)
    ).json<{
      totals: { converted: number; revenue: Record<string, number>; claimed: number };
      triggers: { trigger: string; funnel: { claimedValue: Record<string, number> } }[];
    }>();
    return report;
  }

  beforeAll(async () => {
    const cartNow = {
      id: "cart-now",
      on: "cart",
      steps: [{ wait: "0s", template: "cart-abandoned", subject: "Your cart" }],
    };
    await seedSite(FORGED, { triggers: [cartNow] });
    await seedSite(TRUSTING, { triggers: [cartNow], trustBrowserPurchases: true });
  });

  it("browser purchases are shown as unverified claims, never as revenue", async () => {
    const report = await clickThenForge(FORGED);
    expect(report.totals.revenue).toEqual({});
    expect(report.totals.converted).toBe(0);
    expect(report.totals.claimed).toBe(20);
    const cart = report.triggers.find((t) => t.trigger === "cart-now")!;
    expect(cart.funnel.claimedValue).toEqual({ EUR: 20e9 });
  });

  it("count as revenue only where the site trusts browsers", async () => {
    const report = await clickThenForge(TRUSTING);
    expect(report.totals.claimed).toBe(0);
    // Last-touch: every order in the window after the click is credited to it.
    expect(report.totals.converted).toBe(20);
    expect(report.totals.revenue).toEqual({ EUR: 20e9 });
  });
});

describe("Resend webhooks that are not about our mail", () => {
  const contactStatus = async (site: string, email: string) =>
    (await getJson(await contactPath(site, email))).status;

  it("change nothing: unknown site, an address its contact id does not name, a contact never sent to", async () => {
    const a = `a.${crypto.randomUUID().slice(0, 8)}@example.com`;
    const b = `b.${crypto.randomUUID().slice(0, 8)}@example.com`;
    for (const res of [
      await complaint("no-such-site", a, a),
      await complaint(SITE, a, b),
      await complaint(SITE, a, a),
    ]) {
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: true, ignored: true });
    }
    expect(await contactStatus(SITE, a)).toBe(404);
    expect(await contactStatus(SITE, b)).toBe(404);
    expect(await contactStatus("no-such-site", a)).toBe(404);
  });
});

describe("the dev outbox", () => {
  it("exists only in test and development, and its previews never count as opens", async () => {
    const email = uniqueEmail("outbox");
    await verifyAddress(SITE, email);
    const vid = newVid();
    await post({
      site: SITE,
      vid,
      events: [identify(email), purchase(1)],
    });
    await drain(vid);
    const [sent] = await emailsTo(email);
    expect(sent?.html).toMatch(/\/o\/[A-Za-z0-9_.-]+/);
    const page = await (await exports.default.fetch("http://nudge.test/_dev/outbox")).text();
    expect(page).toContain(email);
    expect(page).not.toMatch(/\/o\/[A-Za-z0-9_.-]+/);
    for (const path of ["/_dev/outbox", "/_dev/outbox.json"]) {
      const res = await dev.request(path, {}, { ...env, NUDGE_ENV: "production" });
      expect(res.status).toBe(404);
    }
  });
});

describe("email content from a hostile browser", () => {
  it("carries no foreign link, image or URL-like text, in the body or the subject", async () => {
    const email = uniqueEmail("content");
    await verifyAddress(SITE, email);
    const vid = newVid();
    const phish = "Verify your card now: https://evil.example/pay";
    const res = await post({
      site: SITE,
      vid,
      events: [
        identify(email, { first_name: "Call www.evil.example" }),
        {
          id: eventId(),
          name: "cart",
          data: {
            currency: "EUR",
            items: [
              {
                id: "x1",
                name: phish,
                price: 1,
                quantity: 1,
                url: "https://evil.example/product",
                image: "https://evil.example/pixel.gif",
              },
            ],
          },
        },
      ],
    });
    expect(res.status).toBe(202);
    await drain(vid);
    const [mail] = (await emailsTo(email)).filter((m) => m.subject.startsWith("Still want"));
    expect(mail).toBeDefined();
    expect(mail!.subject).toBe("Still want Verify your card now:?");
    expect(JSON.stringify(mail)).not.toContain("evil.example");
    expect(mail!.html).toContain("Verify your card now:");
  });
});

describe("erasure", () => {
  it("reaches every device beyond 50, purges copies, exports first, and nothing brings the person back", async () => {
    const email = `erase.${crypto.randomUUID().slice(0, 8)}@example.com`;
    const vids = Array.from({ length: 60 }, () => newVid());
    for (const vid of vids) {
      const res = await post({
        site: SITE,
        vid,
        events: [identify(email)],
      });
      expect(res.status).toBe(202);
    }
    // One email sent (so the dev outbox holds a copy), from the last device.
    const last = vids[vids.length - 1]!;
    await verifyAddress(SITE, email, last);
    await post({ site: SITE, vid: last, events: [purchase(1)] });
    await drain(last);
    expect(await emailsTo(email)).toHaveLength(1);
    const path = await contactPath(SITE, email);

    const exported = await (
      await getJson(`${path}/export`)
    ).json<{
      contact: { visitors: string[] };
      visitors: { vid: string; state: { profile: { email: string } } | null }[];
    }>();
    expect(new Set(exported.contact.visitors)).toEqual(new Set(vids));
    expect(exported.visitors).toHaveLength(60);
    expect(exported.visitors.every((v) => v.state?.profile.email === email)).toBe(true);

    const del = await exports.default.fetch(`http://nudge.test${path}`, {
      method: "DELETE",
      headers: { authorization: "Bearer test-admin-token" },
    });
    expect(await del.json()).toMatchObject({ erased: true, visitors: 60 });
    for (const vid of [vids[0]!, vids[30]!, last])
      expect((await getJson(`/admin/api/visitors/${SITE}/${vid}`)).status).toBe(404);
    expect(await emailsTo(email)).toHaveLength(0);

    // A late webhook and a late event from a device nobody erased yet bring back nothing.
    const hook = await complaint(SITE, email, email);
    expect(await hook.json()).toEqual({ ok: true, ignored: true });
    const ghost = newVid();
    await post({
      site: SITE,
      vid: ghost,
      events: [identify(email), purchase(2)],
    });
    await drain(ghost);
    expect((await getJson(path)).status).toBe(404);
    expect(await emailsTo(email)).toHaveLength(0);
  });
});

/** A signed Resend complaint about `to`, tagged with the contact id of `contactOf` on `site`. */
async function complaint(site: string, contactOf: string, to: string) {
  const body = JSON.stringify({
    type: "email.complained",
    created_at: new Date().toISOString(),
    data: {
      email_id: crypto.randomUUID(),
      created_at: new Date().toISOString(),
      from: "Shop <shop@example.com>",
      to: [to],
      subject: "s",
      tags: { site, contact: await contactHash(SECRET, site, contactOf) },
    },
  });
  const id = `msg_${crypto.randomUUID()}`;
  const ts = Math.floor(Date.now() / 1000);
  const sig = await svixSign("whsec_dGVzdC13ZWJob29rLXNlY3JldA==", id, ts, body);
  return exports.default.fetch("http://nudge.test/webhooks/resend", {
    method: "POST",
    headers: { "svix-id": id, "svix-timestamp": String(ts), "svix-signature": `v1,${sig}` },
    body,
  });
}

describe("admin credentials", () => {
  const BASE = "http://nudge.test";
  const login = (token: string, ip: string) =>
    exports.default.fetch(`${BASE}/admin/login`, {
      method: "POST",
      redirect: "manual",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: BASE,
        "cf-connecting-ip": ip,
      },
      body: new URLSearchParams({ token, next: "/admin" }).toString(),
    });
  const bearer = (token: string, ip: string) =>
    getJson(`/admin/api/stats?site=${SITE}`, {
      authorization: `Bearer ${token}`,
      "cf-connecting-ip": ip,
    });

  /**
   * Wrong credentials until the first 429: at least the allowance (10) must be refused with 401
   * first. The limiter counts in fixed 60 s windows, so a run straddling a boundary gets up to a
   * second allowance before its 429.
   */
  async function untilRefused(attempt: (i: number) => Promise<Response>): Promise<void> {
    const statuses: number[] = [];
    for (let i = 0; i < 25 && !statuses.includes(429); i++)
      statuses.push((await attempt(i)).status);
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.length).toBeGreaterThanOrEqual(11);
    expect(statuses.slice(0, -1).every((s) => s === 401)).toBe(true);
  }

  it("backs off brute-forced sign-ins per IP, even for the right token, and only for that IP", async () => {
    await untilRefused((i) => login(`guess-${i}`, "198.51.100.7"));
    expect((await login("guess-again", "198.51.100.7")).status).toBe(429);
    const right = await login("test-admin-token", "198.51.100.7");
    expect(right.status).toBe(429);
    expect(right.headers.get("retry-after")).toBe("60");
    expect((await login("test-admin-token", "198.51.100.8")).status).toBe(303);
  });

  it("backs off Bearer guesses per IP", async () => {
    await untilRefused((i) => bearer(`guess-${i}`, "203.0.113.50"));
    expect((await bearer("test-admin-token", "203.0.113.50")).status).toBe(429);
    expect((await bearer("test-admin-token", "203.0.113.51")).status).toBe(200);
  });

  it("sign-out revokes the session: a copied cookie stops working", async () => {
    const res = await login("test-admin-token", "192.0.2.10");
    const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const api = () => getJson(`/admin/api/stats?site=${SITE}`, { cookie });
    expect((await api()).status).toBe(200);
    const out = await exports.default.fetch(`${BASE}/admin/logout`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie, origin: BASE, "content-type": "application/x-www-form-urlencoded" },
    });
    expect(out.status).toBe(303);
    expect((await api()).status).toBe(401);
  });
});

describe("deployment secrets", () => {
  it("in production, a short ADMIN_TOKEN, NUDGE_SECRET or NUDGE_SERVER_KEY serves nothing but the tag", async () => {
    const prod = { ...env, NUDGE_ENV: "production" };
    const long = "x".repeat(32);
    const weak = await app.request(
      "/admin/api/stats?site=abuse",
      {},
      { ...prod, NUDGE_SECRET: long },
    );
    expect(weak.status).toBe(503);
    expect(await weak.json()).toEqual({
      error: "misconfigured",
      issues: [{ path: "ADMIN_TOKEN", message: expect.stringContaining("at least 32") }],
    });
    const both = await app.request("/e", { method: "POST" }, { ...prod, NUDGE_SECRET: "short" });
    expect(((await both.json()) as { issues: unknown[] }).issues).toHaveLength(2);
    expect((await app.request("/nudge.js", {}, prod)).status).toBe(200);
    const strong = { ...prod, ADMIN_TOKEN: long, NUDGE_SECRET: long };
    expect((await app.request("/_ping", {}, strong)).status).toBe(200);
    // The server key may be absent (no backend), but never short.
    expect((await app.request("/_ping", {}, { ...strong, NUDGE_SERVER_KEY: "" })).status).toBe(200);
    const shortKey = await app.request("/_ping", {}, { ...strong, NUDGE_SERVER_KEY: "short" });
    expect(shortKey.status).toBe(503);
    expect(await shortKey.json()).toMatchObject({ issues: [{ path: "NUDGE_SERVER_KEY" }] });
  });
});

describe("subscription bombing", () => {
  it("one IP naming many addresses is refused past its allowance; repeats and other IPs are not", async () => {
    const ip = "198.51.100.77";
    // The limiter counts in fixed 60 s windows: a run straddling a boundary gets up to a second
    // allowance before its first 429.
    const statuses: number[] = [];
    for (let i = 0; i < 45 && !statuses.includes(429); i++) {
      const res = await post(
        {
          site: SITE,
          vid: newVid(),
          events: [identify(`bomb${i}@example.com`)],
        },
        { "cf-connecting-ip": ip },
      );
      statuses.push(res.status);
    }
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.length).toBeGreaterThanOrEqual(21);
    expect(statuses.slice(0, -1).every((s) => s === 202)).toBe(true);
    // The same (already seen) address again from that IP, and a new one from another IP, pass.
    const again = {
      events: [identify("bomb3@example.com")],
    };
    expect(
      (await post({ site: SITE, vid: newVid(), ...again }, { "cf-connecting-ip": ip })).status,
    ).toBe(202);
    const other = {
      events: [identify("fresh@example.com")],
    };
    expect(
      (await post({ site: SITE, vid: newVid(), ...other }, { "cf-connecting-ip": "198.51.100.78" }))
        .status,
    ).toBe(202);
    // Three addresses in one batch is not a shopper.
    const three = ["x1", "x2", "x3"].map((x) => ({
      id: eventId(),
      name: "identify",
      data: { email: `${x}@example.com` },
    }));
    expect((await post({ site: SITE, vid: newVid(), events: three })).status).toBe(400);
  });
});
