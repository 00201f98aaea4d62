// The sharded stats store, GET /admin/api/stats, the admin session cookie and the dashboard, in
// workerd: writes across shards merge, unique events count once, parallel writes sum exactly.
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { sessionCookie } from "../../worker/admin/auth.ts";
import { dev as devRouter } from "../../worker/routes/dev.ts";
import { recordStats, SHARDS, shardOf, statsStub } from "../../worker/stats/record.ts";
import type { Report } from "../../worker/stats/report.ts";
import type { StatEvent } from "../../worker/stats/types.ts";
import { ADMIN, getJson, seedSite } from "./helpers.ts";
import { DAY, cartOf, ev, freshSite, report } from "./stats-support.ts";

const BASE = "http://nudge.test";
describe("stats store", () => {
  it("records across shards and merges them in the report", async () => {
    const site = await freshSite();
    const events: StatEvent[] = [];
    for (let i = 0; i < 40; i++) {
      events.push(ev(site, { metric: "sent", contact: `c${i}` }));
      if (i % 2 === 0)
        events.push(ev(site, { metric: "opened", contact: `c${i}`, unique: `o${i}` }));
      if (i % 5 === 0) events.push(ev(site, { metric: "clicked", contact: `c${i}` }));
    }
    events.push(ev(site, { metric: "converted", value: 30, currency: "EUR", contact: "c0" }));
    events.push(ev(site, { metric: "converted", value: 12.5, currency: "EUR", contact: "c5" }));
    events.push(ev(site, { metric: "skipped", reason: "no_email", contact: "c1" }));
    events.push(ev(site, { metric: "failed", reason: "provider_rejected", contact: "c2" }));
    events.push(ev(site, { metric: "bounced", trigger: "", step: null, contact: "c3" }));
    const used = new Set(events.map(shardOf));
    expect(used.size).toBeGreaterThan(3);

    await recordStats(env, events);

    // Each shard holds only part of the rows …
    const perShard = await Promise.all(
      Array.from({ length: SHARDS }, (_, i) =>
        statsStub(env, site, i).query({ site, from: DAY, to: DAY }),
      ),
    );
    const sentPerShard = perShard.map((s) =>
      s.rows.filter((r) => r.metric === "sent").reduce((n, r) => n + r.count, 0),
    );
    expect(sentPerShard.filter((n) => n > 0).length).toBeGreaterThan(1);
    expect(sentPerShard.reduce((a, b) => a + b, 0)).toBe(40);

    // … and the report adds them up.
    const r = await report(site);
    expect(r.from <= DAY && r.to === DAY).toBe(true);
    const cart = cartOf(r);
    expect(cart?.funnel).toMatchObject({
      sent: 40,
      opened: 20,
      clicked: 8,
      converted: 2,
      skipped: 1,
    });
    expect(cart?.funnel.revenue).toEqual({ EUR: 42.5 });
    expect(cart?.skipReasons).toEqual([{ reason: "no_email", count: 1 }]);
    expect(r.suppression.bounced).toBe(1);
    expect(r.recentFailures).toEqual([
      expect.objectContaining({
        trigger: "cart-abandoned",
        reason: "provider_rejected",
        contact: "c2",
      }),
    ]);
    expect(r.daily.at(-1)).toMatchObject({ day: DAY, sent: 40, opened: 20 });
    // configured triggers without data are listed too
    expect(r.triggers.map((t) => t.trigger)).toContain("win-back");
  });

  it("counts a unique event once, within a batch and across batches", async () => {
    const site = await freshSite();
    const open = () => ev(site, { metric: "opened", unique: "send-1" });
    await recordStats(env, [open(), open(), open()]);
    await recordStats(env, [open(), ev(site, { metric: "clicked", unique: "send-1" })]);
    const cart = cartOf(await report(site));
    expect(cart?.funnel.opened).toBe(1);
    expect(cart?.funnel.clicked).toBe(1); // uniqueness is per metric
  });

  it("sums exactly under many parallel record() calls", async () => {
    const site = await freshSite();
    const shard = statsStub(env, site, 3);
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        shard.record([ev(site, { metric: "sent", value: 1, currency: "EUR", contact: `x${i}` })]),
      ),
    );
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        recordStats(env, [
          ev(site, { metric: "sent", contact: `y${i}` }),
          ev(site, { metric: "delivered", contact: `y${i}` }),
        ]),
      ),
    );
    const cart = cartOf(await report(site));
    expect(cart?.funnel.sent).toBe(200);
    expect(cart?.funnel.delivered).toBe(100);
  });

  it("keeps only the most recent failures per shard", async () => {
    const site = await freshSite();
    const shard = statsStub(env, site, 0);
    const at = Date.now() - 60_000;
    for (let b = 0; b < 3; b++) {
      await shard.record(
        Array.from({ length: 30 }, (_, i) =>
          ev(site, { metric: "failed", reason: `r${b * 30 + i}`, at: at + b * 30 + i }),
        ),
      );
    }
    const { failures, rows } = await shard.query({ site, from: DAY, to: DAY });
    expect(failures).toHaveLength(50);
    expect(failures[0]?.reason).toBe("r89");
    expect(rows.reduce((n, r) => n + r.count, 0)).toBe(90);
  });

  it("never throws, and writes one Analytics Engine point per event when bound", async () => {
    const site = await freshSite();
    const points: AnalyticsEngineDataPoint[] = [];
    const dataset: AnalyticsEngineDataset = { writeDataPoint: (p) => void (p && points.push(p)) };
    await recordStats({ STATS: env.STATS, NUDGE_ANALYTICS: dataset }, [
      ev(site, { metric: "converted", step: 1, variant: 0, value: 9.5, reason: "click" }),
    ]);
    expect(points).toEqual([
      {
        blobs: [site, "cart-abandoned", "converted", "click", "treated"],
        doubles: [2, 0, 9.5], // stored step index 1 is step 2 to an outside reader
        indexes: [site],
      },
    ]);

    const spy = vi.spyOn(console, "log").mockImplementation(() => {});
    const broken: AnalyticsEngineDataset = {
      writeDataPoint: () => {
        throw new Error("analytics down");
      },
    };
    await expect(
      recordStats({ STATS: env.STATS, NUDGE_ANALYTICS: broken }, [ev(site, { metric: "sent" })]),
    ).resolves.toMatchObject({ calls: 1 });
    const lines = spy.mock.calls.map((c) => String(c[0]));
    spy.mockRestore();
    expect(lines.some((l) => l.includes('"msg":"stats.failed"') && l.includes(site))).toBe(true);
    // the shard write still happened
    expect(cartOf(await report(site))?.funnel.sent).toBe(1);
  });
});

describe("GET /admin/api/stats", () => {
  beforeAll(async () => {
    await seedSite("stats-api");
  });

  it("needs the admin token", async () => {
    expect((await getJson("/admin/api/stats?site=stats-api", {})).status).toBe(401);
    const wrong = await getJson("/admin/api/stats?site=stats-api", {
      authorization: "Bearer nope",
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: "unauthorized" });
    expect((await getJson("/admin/api/stats?site=stats-api")).status).toBe(200);
  });

  it("rejects a bad query with 400 and issues", async () => {
    for (const q of [
      "",
      "?site=Not%20A%20Site",
      "?site=stats-api&from=2026-02-30",
      "?site=stats-api&from=2026-04-10&to=2026-04-01",
      "?site=stats-api&from=2024-01-01&to=2026-01-01",
    ]) {
      const res = await getJson(`/admin/api/stats${q}`);
      expect(res.status, q).toBe(400);
      const body = await res.json<{ error: string; issues: { path: string }[] }>();
      expect(body.error).toBe("invalid_query");
      expect(body.issues.length).toBeGreaterThan(0);
    }
  });

  it("returns 404 for a site without a config", async () => {
    const res = await getJson("/admin/api/stats?site=no-such-site");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "unknown_site" });
  });

  it("returns the requested range", async () => {
    const r = await report("stats-api");
    expect(r.daily).toHaveLength(30);
    const res = await getJson("/admin/api/stats?site=stats-api&from=2026-01-01&to=2026-01-07");
    const body = await res.json<Report>();
    expect([body.from, body.to, body.daily.length]).toEqual(["2026-01-01", "2026-01-07", 7]);
  });
});

describe("admin sign-in", () => {
  function login(token: string, next = "/admin?site=stats-api") {
    return exports.default.fetch(`${BASE}/admin/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE },
      body: new URLSearchParams({ token, next }).toString(),
    });
  }

  it("shows the sign-in form at /admin without auth", async () => {
    const res = await exports.default.fetch(`${BASE}/admin?site=stats-api`);
    expect(res.status).toBe(401);
    const html = await res.text();
    expect(html).toContain('action="/admin/login"');
    expect(html).toContain('value="/admin?site=stats-api"');
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("sets a session cookie that then authenticates the API and the dashboard", async () => {
    await seedSite("stats-api");
    const res = await login("test-admin-token");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin?site=stats-api");
    const setCookie = res.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/^nudge_admin=/);
    for (const attr of ["HttpOnly", "Secure", "SameSite=Strict", "Path=/admin", "Max-Age=43200"]) {
      expect(setCookie).toContain(attr);
    }
    const cookie = setCookie.split(";")[0] ?? "";
    expect((await getJson("/admin/api/stats?site=stats-api", { cookie })).status).toBe(200);
    const page = await exports.default.fetch(`${BASE}/admin?site=stats-api`, {
      headers: { cookie },
    });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("cart-abandoned");

    // a wrong bearer header is not rescued by a good cookie
    const both = await getJson("/admin/api/stats?site=stats-api", {
      cookie,
      authorization: "Bearer nope",
    });
    expect(both.status).toBe(401);

    const out = await exports.default.fetch(`${BASE}/admin/logout`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie, origin: BASE, "content-type": "application/x-www-form-urlencoded" },
    });
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toMatch(/^nudge_admin=;.*Max-Age=0/);
  });

  it("refuses a wrong token, a cross-site form, tampered and expired cookies", async () => {
    const wrong = await login("not-the-token");
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    expect(await wrong.text()).toContain("That token is not valid.");

    const cross = await exports.default.fetch(`${BASE}/admin/login`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: "https://evil.example",
      },
      body: "token=test-admin-token",
    });
    expect(cross.status).toBe(403);

    const good =
      ((await login("test-admin-token")).headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const tampered = good.replace(
      /nudge_admin=\d/,
      (m) => `${m.slice(0, -1)}${m.endsWith("9") ? 8 : 9}`,
    );
    expect(tampered).not.toBe(good);
    const expired = (await sessionCookie(env, Date.now() - 1000)).split(";")[0] ?? "";
    for (const cookie of [tampered, expired, "nudge_admin=123.abc", "nudge_admin="]) {
      const res = await getJson("/admin/api/stats?site=stats-api", { cookie });
      expect(res.status, cookie).toBe(401);
    }
    // an open redirect is not possible through `next`
    const res = await login("test-admin-token", "https://evil.example/");
    expect(res.headers.get("location")).toBe("/admin");
  });
});

describe("dashboard and seeding route", () => {
  it("escapes everything it shows", async () => {
    const site = await freshSite();
    const evil = `<img src=x onerror="alert(1)">`;
    await recordStats(env, [
      ev(site, { metric: "sent", trigger: evil }),
      ev(site, { metric: "skipped", trigger: evil, reason: "<b>bold</b>" }),
    ]);
    const res = await exports.default.fetch(`${BASE}/admin?site=${site}`, { headers: ADMIN });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).not.toContain(evil);
    expect(html).not.toContain("<b>bold</b>");
    expect(html).toContain("&lt;img src=x onerror=&#34;alert(1)&#34;&gt;");
  });

  it("shows a notice for an unknown site and for bad dates", async () => {
    const unknown = await exports.default.fetch(`${BASE}/admin?site=nope-nope`, { headers: ADMIN });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain("No site &#34;nope-nope&#34; is configured.");
    const bad = await exports.default.fetch(`${BASE}/admin?site=stats-api&from=2026-13-01`, {
      headers: ADMIN,
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("Those filters are not valid.");
  });

  it("POST /_dev/stats records in test, needs the token, and does not exist in production", async () => {
    const site = await freshSite();
    const body = JSON.stringify({ events: [ev(site, { metric: "sent" })] });
    const post = (headers: Record<string, string>, e: Env = env) =>
      devRouter.request("/_dev/stats", { method: "POST", headers, body }, e);
    expect((await post({})).status).toBe(401);
    expect((await post({ ...ADMIN }, { ...env, NUDGE_ENV: "production" })).status).toBe(404);
    const bad = await devRouter.request(
      "/_dev/stats",
      { method: "POST", headers: ADMIN, body: JSON.stringify({ events: [{ metric: "nope" }] }) },
      env,
    );
    expect(bad.status).toBe(400);
    const ok = await post(ADMIN);
    expect(ok.status).toBe(202);
    expect(cartOf(await report(site))?.funnel.sent).toBe(1);
  });

  it("GET /_dev/stats-usage sums the rows every shard wrote; admin only, not in production", async () => {
    const site = await freshSite();
    const get = (path: string, headers: Record<string, string> = ADMIN, e: Env = env) =>
      devRouter.request(path, { headers }, e);
    const usage = async () =>
      (await get(`/_dev/stats-usage?site=${site}`)).json<{ calls: number; rowsWritten: number }>();
    expect(await usage()).toEqual({ calls: 0, rowsWritten: 0 });
    // Two shards: each a counter row; the unique one also its dedupe row.
    const a = ev(site, { metric: "sent", contact: "a" });
    const b = ev(site, { metric: "opened", unique: "k1", contact: "b" });
    expect(shardOf(a)).not.toBe(shardOf(b));
    await recordStats(env, [a, b]);
    expect(await usage()).toEqual({ calls: 2, rowsWritten: 3 });
    expect((await get(`/_dev/stats-usage?site=${site}`, {})).status).toBe(401);
    expect((await get("/_dev/stats-usage?site=Not%20a%20site")).status).toBe(400);
    const prod = await get(`/_dev/stats-usage?site=${site}`, ADMIN, {
      ...env,
      NUDGE_ENV: "production",
    });
    expect(prod.status).toBe(404);
  });
});
