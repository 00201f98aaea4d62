// POST /v1/events on the real worker: the store's own systems as the authority. A purchase sent
// by the backend (by email alone) cancels the abandonment episode on every device at once and is
// counted once even when the browser reported it too; a wrong key stores nothing; server
// identify and user_hash verify the address; unsubscribe and resubscribe act at once.
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { userHash } from "../../worker/ingest/user-hash.ts";
import { contactHash } from "../../worker/lib/crypto.ts";
import { signToken } from "../../worker/mail/tokens.ts";
import {
  contactPath,
  drain,
  eventId,
  getJson,
  newVid,
  ORIGIN,
  outboxTo,
  post,
  seedSite,
  SERVER_KEY,
  triggerOf,
  uniqueEmail,
} from "./helpers.ts";

const SITE = "backend";
const KEY = SERVER_KEY;
const WAIT_MS = 2000;

beforeAll(async () => {
  await seedSite(SITE, {
    optIn: "double",
    triggers: [
      {
        id: "cart-abandoned",
        on: "cart",
        if: { "cart.value": { gt: 0 } },
        cancelOn: ["purchase"],
        steps: [{ wait: "1h", template: "cart-abandoned", subject: "You left something behind" }],
      },
      {
        id: "cart-soon",
        on: "cart",
        cancelOn: ["purchase"],
        steps: [{ wait: `${WAIT_MS / 1000}s`, template: "cart-abandoned", subject: "Soon" }],
      },
      {
        id: "thank-you",
        on: "purchase",
        frequencyCap: false,
        marketing: false,
        steps: [{ wait: "0s", template: "thank-you", subject: "Thanks for your order" }],
      },
    ],
  });
});

function send(body: unknown, key: string | null = KEY, raw?: string): Promise<Response> {
  return exports.default.fetch("http://nudge.test/v1/events", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
    },
    body: raw ?? JSON.stringify(body),
  });
}

const cart = () => ({
  id: eventId(),
  name: "cart",
  data: { items: [{ id: "mug", name: "Mug", price: 45, quantity: 1 }], currency: "EUR" },
});
const identify = (email: string, extra: Record<string, unknown> = {}) => ({
  id: eventId(),
  name: "identify",
  data: { email, ...extra },
});

async function visitor(vid: string) {
  const res = await getJson(`/admin/api/visitors/${SITE}/${vid}`);
  return res.json<{
    engine: { episodes: Record<string, unknown> };
    profile: { verified?: boolean };
  }>();
}

async function stats() {
  return (await getJson(`/admin/api/stats?site=${SITE}`)).json<{
    totals: { converted: number; revenue: Record<string, number>; claimed: number };
  }>();
}

describe("authentication and validation", () => {
  it("refuses a missing or wrong key (401) and stores nothing", async () => {
    const email = uniqueEmail("nokey");
    const body = { site: SITE, events: [identify(email)] };
    for (const key of [null, "", "wrong-key", KEY.slice(0, -1), `${KEY}x`]) {
      const res = await send(body, key);
      expect(res.status, String(key)).toBe(401);
      expect(await res.json()).toMatchObject({ error: "unauthorized" });
    }
    expect((await getJson(await contactPath(SITE, email))).status).toBe(404);
  });

  it("answers 400 with issues for bad batches, 413 when too large, and changes nothing", async () => {
    const email = uniqueEmail("bad");
    const cases: [unknown, string][] = [
      [{ site: SITE, events: [] }, "events"],
      [
        { site: SITE, events: [{ id: eventId(), name: "cart", data: cart().data }] },
        "events[0].email",
      ],
      [
        { site: SITE, events: [{ ...identify(email), at: Date.now() + 3_600_000 }] },
        "events[0].at",
      ],
      [{ site: SITE, events: [{ id: "x", name: "identify", data: { email } }] }, "events[0].id"],
      [
        { site: SITE, events: [{ id: eventId(), name: "unsubscribe", vid: newVid() }] },
        "events[0].email",
      ],
      [
        { site: SITE, events: [{ id: eventId(), name: "email_open", email, data: {} }] },
        "events[0].name",
      ],
      [{ site: SITE, events: Array.from({ length: 101 }, () => identify(email)) }, "events"],
      [{ site: "Bad Site", events: [identify(email)] }, "site"],
    ];
    for (const [body, path] of cases) {
      const res = await send(body);
      expect(res.status, path).toBe(400);
      const out = await res.json<{ error: string; issues: { path: string }[] }>();
      expect(out.error).toBe("invalid_batch");
      expect(
        out.issues.map((i) => i.path),
        path,
      ).toContain(path);
    }
    expect((await send(null, KEY, "{not json")).status).toBe(400);
    expect((await send(null, KEY, "x".repeat(600_000))).status).toBe(413);
    expect((await send({ site: "nowhere", events: [identify(email)] })).status).toBe(404);
    expect((await getJson(await contactPath(SITE, email))).status).toBe(404);
  });
});

describe("the backend's purchase", () => {
  it("cancels the abandonment episode on every device at once, by email alone", async () => {
    const email = uniqueEmail("two-devices");
    // The store vouches for the address first, so nothing waits for a confirmation.
    expect((await send({ site: SITE, events: [identify(email)] })).status).toBe(202);
    const phone = newVid();
    const laptop = newVid();
    for (const vid of [phone, laptop])
      expect((await post({ site: SITE, vid, events: [identify(email), cart()] })).status).toBe(202);
    for (const vid of [phone, laptop])
      expect(Object.keys((await visitor(vid)).engine.episodes)).toContain("cart-soon");

    const res = await send({
      site: SITE,
      events: [
        {
          id: eventId(),
          name: "purchase",
          email,
          data: { order_id: `A-${eventId()}`, value: 45, currency: "EUR" },
        },
      ],
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 0 });
    for (const vid of [phone, laptop]) {
      const episodes = Object.keys((await visitor(vid)).engine.episodes);
      expect(episodes).not.toContain("cart-soon");
      expect(episodes).not.toContain("cart-abandoned");
    }
    // Past the short step's due time: no abandonment email, on either device.
    await new Promise((r) => setTimeout(r, WAIT_MS + 300));
    for (const vid of [phone, laptop]) await drain(SITE, vid);
    const mails = (await outboxTo(email)).map(triggerOf);
    expect(mails).not.toContain("cart-soon");
    expect(mails).not.toContain("cart-abandoned");
  });

  it("is one purchase with the browser's report of the same order: one thank-you, revenue once", async () => {
    const email = uniqueEmail("one-order");
    const order = `B-${eventId()}`;
    const purchase = { order_id: order, value: 45, currency: "EUR" };
    const vid = newVid();
    expect((await send({ site: SITE, events: [identify(email)] })).status).toBe(202);
    await post({ site: SITE, vid, events: [identify(email), cart()] });
    // The shopper clicks nothing; the browser reports the order, then the backend does (twice).
    await post({ site: SITE, vid, events: [{ id: eventId(), name: "purchase", data: purchase }] });
    const backend = { id: eventId(), name: "purchase", email, data: purchase };
    expect(await (await send({ site: SITE, events: [backend] })).json()).toEqual({
      accepted: 1,
      duplicates: 0,
    });
    expect(await (await send({ site: SITE, events: [backend] })).json()).toEqual({
      accepted: 0,
      duplicates: 1,
    });
    await drain(SITE, vid);
    const contact = await contactHash(env.NUDGE_SECRET, SITE, email);
    await drain(SITE, `srv.${contact}`);
    const thanks = (await outboxTo(email)).filter((m) => triggerOf(m) === "thank-you");
    expect(thanks).toHaveLength(1);
    const snap = await (
      await getJson(await contactPath(SITE, email))
    ).json<{
      sends: { key: string; outcome: string }[];
    }>();
    expect(snap.sends.filter((s) => s.key.includes(".thank-you.")).map((s) => s.outcome)).toEqual([
      "sent",
    ]);
  });

  it("counts as revenue, where the browser's word alone is only a claim", async () => {
    const email = uniqueEmail("revenue");
    const before = await stats();
    expect((await send({ site: SITE, events: [identify(email)] })).status).toBe(202);
    const vid = newVid();
    await post({ site: SITE, vid, events: [identify(email), cart()] });
    // The step after 2 s sends (the address is verified); the shopper clicks it.
    await new Promise((r) => setTimeout(r, WAIT_MS + 300));
    await drain(SITE, vid);
    const [mail] = (await outboxTo(email)).filter((m) => triggerOf(m) === "cart-soon");
    const click = /href="https?:\/\/[^"/]+(\/c\/[^"]+)"/.exec(mail!.html)![1]!;
    expect(
      (await exports.default.fetch(`http://nudge.test${click}`, { redirect: "manual" })).status,
    ).toBe(302);
    const order = `C-${eventId()}`;
    const purchase = { order_id: order, value: 45, currency: "EUR" };
    await post({ site: SITE, vid, events: [{ id: eventId(), name: "purchase", data: purchase }] });
    const claimed = await stats();
    expect(claimed.totals.claimed).toBe(before.totals.claimed + 1);
    expect(claimed.totals.converted).toBe(before.totals.converted);
    await send({
      site: SITE,
      events: [{ id: eventId(), name: "purchase", email, data: purchase }],
    });
    const verified = await stats();
    expect(verified.totals.converted).toBe(before.totals.converted + 1);
    expect(verified.totals.revenue.EUR ?? 0).toBe((before.totals.revenue.EUR ?? 0) + 45);
  });
});

describe("verified identity", () => {
  it("a server identify releases what waited for a confirmation, and no confirmation is asked again", async () => {
    const email = uniqueEmail("held");
    const vid = newVid();
    await post({ site: SITE, vid, events: [identify(email), cart()] });
    await new Promise((r) => setTimeout(r, WAIT_MS + 300));
    await drain(SITE, vid);
    expect((await outboxTo(email)).map(triggerOf)).toEqual(["_confirm"]);
    expect((await send({ site: SITE, events: [identify(email)] })).status).toBe(202);
    await drain(SITE, vid);
    expect((await outboxTo(email)).map(triggerOf)).toEqual(["_confirm", "cart-soon"]);
  });

  it("user_hash: valid → no confirmation needed; wrong → an unverified claim, never an error", async () => {
    const good = uniqueEmail("hash-good");
    const bad = uniqueEmail("hash-bad");
    const [goodVid, badVid] = [newVid(), newVid()];
    const hash = await userHash(KEY, good);
    const r1 = await post({
      site: SITE,
      vid: goodVid,
      events: [identify(` ${good.toUpperCase()} `, { user_hash: hash }), cart()],
    });
    expect(r1.status).toBe(202);
    const r2 = await post({
      site: SITE,
      vid: badVid,
      events: [identify(bad, { user_hash: await userHash(KEY, good) }), cart()],
    });
    expect(r2.status).toBe(202);
    expect((await visitor(goodVid)).profile.verified).toBe(true);
    expect((await visitor(badVid)).profile.verified).toBe(false);
    // The hash is never kept as a trait.
    expect(JSON.stringify(await visitor(goodVid))).not.toContain(hash);
    await new Promise((r) => setTimeout(r, WAIT_MS + 300));
    await drain(SITE, goodVid);
    await drain(SITE, badVid);
    expect((await outboxTo(good)).map(triggerOf)).toEqual(["cart-soon"]);
    expect((await outboxTo(bad)).map(triggerOf)).toEqual(["_confirm"]);
  });
});

describe("consent and subscription from the backend", () => {
  it("identify with consent, unsubscribe and resubscribe take effect at once", async () => {
    const email = uniqueEmail("consent");
    const vid = newVid();
    await post({ site: SITE, vid, events: [identify(email)] });
    await send({ site: SITE, events: [identify(email, { consent: { marketing: false } })] });
    const state = await (
      await getJson(`/admin/api/visitors/${SITE}/${vid}`)
    ).json<{
      profile: { consent: { marketing: boolean | null } };
    }>();
    expect(state.profile.consent.marketing).toBe(false);

    const path = await contactPath(SITE, email);
    const suppressed = async () =>
      (await (await getJson(path)).json<{ suppressed: { reason: string } | null }>()).suppressed;
    await send({ site: SITE, events: [{ id: eventId(), name: "unsubscribe", email }] });
    expect(await suppressed()).toMatchObject({ reason: "unsubscribed" });
    await send({ site: SITE, events: [{ id: eventId(), name: "resubscribe", email }] });
    expect(await suppressed()).toBeNull();
  });
});

describe("GET /v1/carts/:token", () => {
  it("gives back a signed cart's items, readable by the site's origins only; a forged one is a 400", async () => {
    const token = await signToken(
      env.NUDGE_SECRET,
      { kind: "cart", site: SITE, currency: "EUR", items: [["mug", 2]] },
      { now: Date.now() },
    );
    const get = (t: string, origin?: string) =>
      exports.default.fetch(`http://nudge.test/v1/carts/${t}`, {
        headers: origin ? { origin } : {},
      });
    const ok = await get(token, ORIGIN);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(await ok.json()).toEqual({
      site: SITE,
      currency: "EUR",
      items: [{ id: "mug", quantity: 2 }],
    });
    const foreign = await get(token, "https://evil.example");
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    const tampered = token.slice(0, -2) + (token.endsWith("AA") ? "BB" : "AA");
    expect((await get(tampered, ORIGIN)).status).toBe(400);
    const unsub = await signToken(
      env.NUDGE_SECRET,
      { kind: "unsubscribe", site: SITE, contact: "0".repeat(24) },
      { now: Date.now() },
    );
    expect((await get(unsub, ORIGIN)).status).toBe(400);
  });
});
