// The send path in workerd: Visitor alarm → Contact ledger → dev outbox, exactly once; links,
// one-click unsubscribe, Resend webhooks (svix), identity tokens and erasure.
import { env, exports } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { SendEffect } from "../../worker/engine/effects.ts";
import type { OutboxJsonItem } from "../../worker/mail/outbox-view.ts";
import { contactHash } from "../../worker/lib/crypto.ts";
import { signToken } from "../../worker/mail/tokens.ts";
import { svixSign } from "../../worker/ingest/svix.ts";
import {
  ADMIN,
  ORIGIN,
  contactPath,
  eventId,
  getJson,
  lookup,
  newVid,
  post,
  seedSite,
} from "./helpers.ts";

const SITE = "sendpath";
const SECRET = "test-nudge-secret-0123456789abcdef";
const WEBHOOK_SECRET = "whsec_dGVzdC13ZWJob29rLXNlY3JldA==";

beforeAll(async () => {
  await seedSite(SITE, {
    triggers: [
      {
        id: "cart-abandoned",
        on: "cart",
        if: { "cart.value": { gt: 0 } },
        cancelOn: ["purchase"],
        steps: [
          {
            wait: "0s",
            template: "cart-abandoned",
            subject: "You left {{ cart.count }} things, {{ contact.first_name }}",
          },
        ],
      },
    ],
  });
});

type OutboxEmail = OutboxJsonItem;

async function outboxFor(email: string): Promise<OutboxEmail[]> {
  const res = await exports.default.fetch("http://nudge.test/_dev/outbox.json");
  expect(res.status).toBe(200);
  const body = await res.json<{ emails: OutboxEmail[] }>();
  return body.emails.filter((e) => e.to === email);
}

const visitorStub = (vid: string) => env.VISITORS.get(env.VISITORS.idFromName(`${SITE}:${vid}`));

function uniqueEmail(tag: string): string {
  return `${tag}.${crypto.randomUUID().slice(0, 8)}@example.com`;
}

/** A known shopper with a cart: the 0s step is due at once; runs the alarm that sends it. */
async function abandonCart(email: string, firstName = "Ada") {
  const vid = newVid();
  const res = await post({
    site: SITE,
    vid,
    events: [
      { id: eventId(), name: "identify", data: { email, first_name: firstName } },
      {
        id: eventId(),
        name: "cart",
        data: { items: [{ id: "mug", name: "Mug", price: 12.5, quantity: 2 }], currency: "EUR" },
      },
    ],
  });
  expect(res.status).toBe(202);
  // The step is due at once: the alarm may already have fired on its own; run it if not.
  await runDurableObjectAlarm(visitorStub(vid));
  await waitFor(async () => (await outboxFor(email)).length > 0, `an email to ${email}`);
  return vid;
}

async function waitFor(check: () => Promise<boolean>, what: string, ms = 5_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function linkFrom(html: string, path: "/c/" | "/o/" | "/u/"): string {
  const m = new RegExp(`https?://[^"'\\s]+${path}[A-Za-z0-9_.-]+`).exec(html);
  if (!m) throw new Error(`no ${path} link in email`);
  return m[0];
}

async function contact(email: string) {
  const res = await getJson(await contactPath(SITE, email));
  return { status: res.status, body: res.status === 200 ? await res.json<ContactBody>() : null };
}

interface ContactBody {
  contact: string;
  suppressed: { reason: string } | null;
  sends: { key: string; outcome: string; reason?: string }[];
  visitors: string[];
}

describe("due step → Contact → dev outbox", () => {
  it("sends one personalised email with unsubscribe headers and tracked links", async () => {
    const email = uniqueEmail("send");
    await abandonCart(email);
    const sent = await outboxFor(email);
    expect(sent).toHaveLength(1);
    const [m] = sent;
    expect(m!.subject).toBe("You left 2 things, Ada");
    expect(m!.headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    expect(m!.headers["List-Unsubscribe"]).toMatch(/^<http:\/\/nudge\.test\/u\/[A-Za-z0-9_.-]+>$/);
    expect(m!.html).toContain("http://nudge.test/c/");
    expect(m!.html).toContain("http://nudge.test/o/");
    expect(m!.html).toContain("1 Example Street, Springfield");
    expect(m!.text).toContain("Unsubscribe");
    for (const t of m!.tags) expect(t.value).toMatch(/^[A-Za-z0-9_-]+$/);
    // Links end up in access logs and analytics: no token may carry the address.
    const tokens = [
      ...`${m!.html} ${m!.headers["List-Unsubscribe"]}`.matchAll(/\/[cou]\/([A-Za-z0-9_-]+)\./g),
    ];
    expect(tokens.length).toBeGreaterThan(2);
    for (const [, body] of tokens) {
      const json = atob(body!.replaceAll("-", "+").replaceAll("_", "/"));
      expect(json).not.toContain("@");
    }
    const c = await contact(email);
    expect(c.body?.sends).toEqual([expect.objectContaining({ outcome: "sent" })]);
    // The id the lookup names is the keyed hash the logs carry.
    expect(c.body!.contact).toBe(await contactHash(SECRET, SITE, email));
  });

  it("an alarm re-run and a repeated delivery send nothing twice", async () => {
    const email = uniqueEmail("rerun");
    const vid = await abandonCart(email);
    // Force another alarm run right now: nothing is due any more.
    await runInDurableObject(visitorStub(vid), (_i, state) => state.storage.setAlarm(Date.now()));
    await runDurableObjectAlarm(visitorStub(vid));
    const [m] = await outboxFor(email);
    // The same ledger key handed to the Contact again (a retry after a lost answer).
    const id = await contactHash(SECRET, SITE, email);
    const stub = env.CONTACTS.get(env.CONTACTS.idFromName(`${SITE}:${id}`));
    const again = await stub.deliver({
      site: SITE,
      vid,
      contact: id,
      attempt: 1,
      base: "http://nudge.test",
      effect: sendEffect(m!.idempotencyKey, email),
    });
    expect(again).toEqual({ status: "duplicate" });
    expect(await outboxFor(email)).toHaveLength(1);
  });

  it("recovers a crash between the outbox write and the send with exactly one send", async () => {
    const email = uniqueEmail("crash");
    const vid = newVid();
    await post({
      site: SITE,
      vid,
      events: [{ id: eventId(), name: "identify", data: { email } }],
    }).then((r) => expect(r.status).toBe(202));
    // The state of a Visitor that committed a due send to its outbox and died before sending.
    const key = `${SITE}.cart-abandoned.crash${Date.now()}.0`;
    await runInDurableObject(visitorStub(vid), async (_i, state) => {
      state.storage.sql.exec(
        "INSERT INTO outbox (key, effect, attempts, next_at) VALUES (?, ?, 0, ?)",
        key,
        JSON.stringify(sendEffect(key, email)),
        Date.now(),
      );
      await state.storage.setAlarm(Date.now());
    });
    await runDurableObjectAlarm(visitorStub(vid));
    await waitFor(async () => (await outboxFor(email)).length > 0, "the recovered send");
    await runInDurableObject(visitorStub(vid), (_i, state) => state.storage.setAlarm(Date.now()));
    await runDurableObjectAlarm(visitorStub(vid));
    const sent = (await outboxFor(email)).filter((e) => e.idempotencyKey === key);
    expect(sent).toHaveLength(1);
    const snap = await getJson(`/admin/api/visitors/${SITE}/${vid}`).then((r) =>
      r.json<{ outbox: unknown[] }>(),
    );
    expect(snap.outbox).toEqual([]);
  });

  it("a purchase before the step is due means it is never sent", async () => {
    await seedSite(`${SITE}-later`, {
      triggers: [
        {
          id: "cart-abandoned",
          on: "cart",
          cancelOn: ["purchase"],
          steps: [{ wait: "1h", template: "cart-abandoned", subject: "Back?" }],
        },
      ],
    });
    const email = uniqueEmail("bought");
    const vid = newVid();
    const site = `${SITE}-later`;
    const cart = { items: [{ id: "mug", name: "Mug", price: 10, quantity: 1 }], currency: "EUR" };
    await post({
      site,
      vid,
      events: [
        { id: eventId(), name: "identify", data: { email } },
        { id: eventId(), name: "cart", data: cart },
        { id: eventId(), name: "purchase", data: { order_id: "o-1", value: 10, currency: "EUR" } },
      ],
    });
    const stub = env.VISITORS.get(env.VISITORS.idFromName(`${site}:${vid}`));
    // Pretend the hour has passed: run whatever alarm exists now.
    await runInDurableObject(stub, (_i, state) => state.storage.setAlarm(Date.now()));
    await runDurableObjectAlarm(stub);
    expect(await outboxFor(email)).toHaveLength(0);
  });
});

describe("links", () => {
  it("a click records, identifies and redirects only to the signed destination", async () => {
    const email = uniqueEmail("click");
    await abandonCart(email);
    const [m] = await outboxFor(email);
    const link = linkFrom(m!.html, "/c/");
    const res = await exports.default.fetch(link, { redirect: "manual" });
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get("location")!);
    expect(to.origin).toBe(ORIGIN);
    expect(to.searchParams.get("nudge_t")).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);

    const tampered = link.slice(0, -3) + (link.endsWith("A") ? "BBB" : "AAA");
    const bad = await exports.default.fetch(tampered, { redirect: "manual" });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("location")).toBeNull();
  });

  it("refuses a signed click to a destination off the site's origins", async () => {
    const tok = await signToken(
      SECRET,
      {
        kind: "click",
        site: SITE,
        contact: "0".repeat(24),
        trigger: "cart-abandoned",
        episode: "e1",
        step: 0,
        variant: null,
        url: "https://evil.example.net/",
      },
      { now: Date.now() },
    );
    const res = await exports.default.fetch(`http://nudge.test/c/${tok}`, { redirect: "manual" });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
  });

  it("an open returns a GIF; a forged open token is a 4xx", async () => {
    const email = uniqueEmail("open");
    await abandonCart(email);
    const [m] = await outboxFor(email);
    const ok = await exports.default.fetch(linkFrom(m!.html, "/o/"));
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toBe("image/gif");
    await ok.arrayBuffer();
    const forged = await signToken(
      "another-secret",
      {
        kind: "open",
        site: SITE,
        contact: "c",
        trigger: "t",
        episode: "e",
        step: 0,
        variant: null,
      },
      { now: 0 },
    );
    const bad = await exports.default.fetch(`http://nudge.test/o/${forged}`);
    expect(bad.status).toBe(400);
    await bad.arrayBuffer();
  });

  it("GET /u never unsubscribes; one-click POST does, and a due step is then not sent", async () => {
    const email = uniqueEmail("unsub");
    await abandonCart(email);
    const [m] = await outboxFor(email);
    const unsub = /<([^>]+)>/.exec(m!.headers["List-Unsubscribe"]!)![1]!;

    const page = await exports.default.fetch(unsub);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('method="post"');
    expect((await contact(email)).body?.suppressed).toBeNull();

    const noBody = await exports.default.fetch(unsub, { method: "POST" });
    expect(noBody.status).toBe(400);
    expect((await contact(email)).body?.suppressed).toBeNull();

    const one = await exports.default.fetch(unsub, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
      redirect: "manual",
    });
    expect(one.status).toBe(200);
    expect(one.headers.get("location")).toBeNull();
    await one.text();
    expect((await contact(email)).body?.suppressed).toMatchObject({ reason: "unsubscribed" });

    // A new episode for the same person, due now: skipped as suppressed, nothing sent.
    const id = await contactHash(SECRET, SITE, email);
    const stub = env.CONTACTS.get(env.CONTACTS.idFromName(`${SITE}:${id}`));
    const key = `${SITE}.cart-abandoned.after${Date.now()}.0`;
    const r = await stub.deliver({
      site: SITE,
      vid: newVid(),
      contact: id,
      attempt: 0,
      base: "http://nudge.test",
      effect: sendEffect(key, email),
    });
    expect(r).toEqual({ status: "skipped", reason: "suppressed" });
    expect(await outboxFor(email)).toHaveLength(1);
  });

  it("the page after unsubscribing offers the way back: Subscribe again lifts the unsubscribe", async () => {
    const email = uniqueEmail("resub");
    await abandonCart(email);
    const [m] = await outboxFor(email);
    const unsub = /<([^>]+)>/.exec(m!.headers["List-Unsubscribe"]!)![1]!;
    const form = { "content-type": "application/x-www-form-urlencoded", accept: "text/html" };
    const done = await exports.default.fetch(unsub, {
      method: "POST",
      headers: form,
      body: "List-Unsubscribe=One-Click",
    });
    const page = await done.text();
    expect(page).toContain("You are unsubscribed");
    expect(page).toContain('name="action" value="resubscribe"');
    expect(page).toContain("Back to"); // the shop's home page and postal address are on it
    expect((await contact(email)).body?.suppressed).toMatchObject({ reason: "unsubscribed" });

    const back = await exports.default.fetch(unsub, {
      method: "POST",
      headers: form,
      body: "action=resubscribe",
    });
    expect(back.status).toBe(200);
    expect(await back.text()).toContain("You are subscribed again");
    expect((await contact(email)).body?.suppressed).toBeNull();
    // A forged token resubscribes nobody.
    const forged = await exports.default.fetch("http://nudge.test/u/abc.def", {
      method: "POST",
      headers: form,
      body: "action=resubscribe",
    });
    expect(forged.status).toBe(400);
    await forged.text();
  });

  it("tampered unsubscribe tokens change nothing", async () => {
    const res = await exports.default.fetch("http://nudge.test/u/abc.def", {
      method: "POST",
      body: "List-Unsubscribe=One-Click",
    });
    expect(res.status).toBe(400);
    await res.text();
  });
});

describe("Resend webhooks", () => {
  async function webhook(body: unknown, opts: { id?: string; secret?: string; ts?: number } = {}) {
    const raw = JSON.stringify(body);
    const id = opts.id ?? `msg_${crypto.randomUUID()}`;
    const ts = opts.ts ?? Math.floor(Date.now() / 1000);
    const sig = await svixSign(opts.secret ?? WEBHOOK_SECRET, id, ts, raw);
    return exports.default.fetch("http://nudge.test/webhooks/resend", {
      method: "POST",
      headers: { "svix-id": id, "svix-timestamp": String(ts), "svix-signature": `v1,${sig}` },
      body: raw,
    });
  }

  async function bounceOf(email: string, type: "Permanent" | "Transient", kind = "email.bounced") {
    const id = await contactHash(SECRET, SITE, email);
    return {
      type: kind,
      created_at: new Date().toISOString(),
      data: {
        email_id: crypto.randomUUID(),
        created_at: new Date().toISOString(),
        from: "Demo Shop <shop@example.com>",
        to: [email],
        subject: "s",
        tags: {
          site: SITE,
          contact: id,
          trigger: "cart-abandoned",
          episode: "e1",
          step: "0",
          variant: "none",
        },
        ...(kind === "email.bounced"
          ? { bounce: { type, subType: "General", message: "mailbox does not exist" } }
          : {}),
      },
    };
  }

  it("rejects unsigned, wrongly signed and stale webhooks with 401 and no change", async () => {
    const email = uniqueEmail("sig");
    await abandonCart(email);
    const body = await bounceOf(email, "Permanent");
    const unsigned = await exports.default.fetch("http://nudge.test/webhooks/resend", {
      method: "POST",
      body: JSON.stringify(body),
    });
    expect(unsigned.status).toBe(401);
    expect((await webhook(body, { secret: "whsec_b3RoZXItc2VjcmV0LXZhbHVl" })).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 3600;
    expect((await webhook(body, { ts: stale })).status).toBe(401);
    expect((await contact(email)).body?.suppressed).toBeNull();
  });

  it("a permanent bounce and a complaint suppress; a transient bounce does not", async () => {
    const a = uniqueEmail("bounce");
    const b = uniqueEmail("transient");
    const c = uniqueEmail("complaint");
    for (const e of [a, b, c]) await abandonCart(e);
    const id = `msg_${crypto.randomUUID()}`;
    const first = await webhook(await bounceOf(a, "Permanent"), { id });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ ok: true, duplicate: false });
    const again = await webhook(await bounceOf(a, "Permanent"), { id });
    expect(await again.json()).toEqual({ ok: true, duplicate: true });
    expect((await contact(a)).body?.suppressed).toMatchObject({ reason: "bounced" });

    expect((await webhook(await bounceOf(b, "Transient"))).status).toBe(200);
    expect((await contact(b)).body?.suppressed).toBeNull();

    expect((await webhook(await bounceOf(c, "Permanent", "email.complained"))).status).toBe(200);
    expect((await contact(c)).body?.suppressed).toMatchObject({ reason: "complained" });
  });
});

describe("identity and erasure", () => {
  it("a valid nudge_t identifies the visitor; a forged one is ignored", async () => {
    const email = uniqueEmail("ident");
    await abandonCart(email); // the contact exists once an email was sent to it
    const contact = await contactHash(SECRET, SITE, email);
    const good = await signToken(
      SECRET,
      { kind: "identity", site: SITE, contact },
      { now: Date.now() },
    );
    const forged = await signToken(
      "nope",
      { kind: "identity", site: SITE, contact },
      { now: Date.now() },
    );
    const page = () => [{ id: eventId(), name: "page", data: {} }];
    const v1 = newVid();
    const v2 = newVid();
    expect((await post({ site: SITE, vid: v1, t: good, events: page() })).status).toBe(202);
    expect((await post({ site: SITE, vid: v2, t: forged, events: page() })).status).toBe(202);
    const s1 = await getJson(`/admin/api/visitors/${SITE}/${v1}`).then((r) =>
      r.json<{ profile: { email: string | null } }>(),
    );
    const s2 = await getJson(`/admin/api/visitors/${SITE}/${v2}`).then((r) =>
      r.json<{ profile: { email: string | null } }>(),
    );
    expect(s1.profile.email).toBe(email);
    expect(s2.profile.email).toBeNull();
  });

  it("DELETE erases the contact and every linked visitor", async () => {
    const email = uniqueEmail("erase");
    const v1 = await abandonCart(email);
    const v2 = newVid();
    await post({
      site: SITE,
      vid: v2,
      events: [{ id: eventId(), name: "identify", data: { email } }],
    });
    const before = await contact(email);
    expect(before.body?.visitors.sort()).toEqual([v1, v2].sort());

    const path = await contactPath(SITE, email);
    const unauth = await exports.default.fetch(`http://nudge.test${path}`, { method: "DELETE" });
    expect(unauth.status).toBe(401);

    const del = await exports.default.fetch(`http://nudge.test${path}`, {
      method: "DELETE",
      headers: ADMIN,
    });
    expect(del.status).toBe(200);
    expect(await del.json()).toMatchObject({ erased: true, visitors: 2 });
    expect((await contact(email)).status).toBe(404);
    for (const vid of [v1, v2]) {
      const r = await getJson(`/admin/api/visitors/${SITE}/${vid}`);
      expect(r.status).toBe(404);
      await r.text();
    }
  });
});

describe("admin contact routes: addresses in the body, ids in the URL", () => {
  /** A contact with one linked visitor, by identify alone. */
  async function identified(tag: string) {
    const email = uniqueEmail(tag);
    const vid = newVid();
    const res = await post({
      site: SITE,
      vid,
      events: [{ id: eventId(), name: "identify", data: { email } }],
    });
    expect(res.status).toBe(202);
    return { email, vid };
  }

  it("lookup returns the keyed hash of the address, for a known contact and an unknown one", async () => {
    const { email, vid } = await identified("lookup");
    const res = await lookup(SITE, { email: `  ${email.toUpperCase()} ` });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const { contact: id } = await res.json<{ contact: string }>();
    // The same id the old /contacts/<site>/<email> path computed, and the logs carry.
    expect(id).toBe(await contactHash(SECRET, SITE, email));
    const snap = await getJson(`/admin/api/contacts/${SITE}/${id}`);
    expect(await snap.json()).toMatchObject({ contact: id, visitors: [vid] });

    // Nobody by that address: still an id (it is computed, not found), and GET says 404.
    const nobody = uniqueEmail("nobody");
    const none = await lookup(SITE, { email: nobody });
    expect(none.status).toBe(200);
    const { contact: noId } = await none.json<{ contact: string }>();
    expect(noId).toBe(await contactHash(SECRET, SITE, nobody));
    const missing = await getJson(`/admin/api/contacts/${SITE}/${noId}`);
    expect(missing.status).toBe(404);
    await missing.text();
  });

  it("lookup needs the admin token", async () => {
    const res = await lookup(SITE, { email: uniqueEmail("unauth") }, {});
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "unauthorized" });
  });

  it("lookup rejects bad JSON, a missing address and an invalid one with 400", async () => {
    const badJson = await lookup(SITE, "{not json");
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toEqual({ error: "invalid_json" });
    for (const body of [{}, { email: "not-an-email" }, { email: 42 }]) {
      const res = await lookup(SITE, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json()).toMatchObject({
        error: "invalid_email",
        issues: [expect.objectContaining({ path: "email" })],
      });
    }
    const badSite = await lookup("Not A Site", { email: uniqueEmail("site") });
    expect(badSite.status).toBe(400);
    expect(await badSite.json()).toEqual({ error: "invalid_site" });
  });

  it("GET, export and DELETE refuse an address in the path with 400 and erase nothing", async () => {
    const { email, vid } = await identified("inurl");
    const id = await contactHash(SECRET, SITE, email);
    for (const inPath of [email, encodeURIComponent(email), email.replace("@", "%2540")]) {
      for (const [method, suffix] of [
        ["GET", ""],
        ["GET", "/export"],
        ["DELETE", ""],
      ] as const) {
        const res = await exports.default.fetch(
          `http://nudge.test/admin/api/contacts/${SITE}/${inPath}${suffix}`,
          { method, headers: ADMIN },
        );
        expect(res.status, `${method} ${inPath}${suffix}`).toBe(400);
        const body = await res.json<{ error: string; message: string }>();
        expect(body.error).toBe("address_in_url");
        expect(body.message).toContain(`POST /admin/api/contacts/${SITE}/lookup`);
        expect(body.message).toContain('{ "email"');
        // The refusal does not echo the address back either.
        expect(body.message).not.toContain(email.split("@")[0]);
      }
    }
    // Nothing was erased: the contact and its visitor are still there.
    const snap = await getJson(`/admin/api/contacts/${SITE}/${id}`);
    expect(snap.status).toBe(200);
    expect(await snap.json()).toMatchObject({ contact: id, visitors: [vid] });
    const visitor = await getJson(`/admin/api/visitors/${SITE}/${vid}`);
    expect(visitor.status).toBe(200);
    await visitor.text();
  });

  it("rejects anything else that is not a contact id with 400", async () => {
    for (const raw of ["not-an-email", "lookup", "abc123", "0123456789abcdef0123456g"]) {
      const r = await getJson(`/admin/api/contacts/${SITE}/${raw}`);
      expect(r.status, raw).toBe(400);
      expect(await r.json()).toEqual({ error: "invalid_id" });
    }
  });
});

function sendEffect(key: string, email: string): SendEffect {
  const [, trigger, episode, step] = key.split(".");
  return {
    type: "send",
    key,
    trigger: trigger!,
    episode: episode!,
    step: Number(step),
    due: Date.now(),
    variant: null,
    template: "cart-abandoned",
    subject: "Your cart",
    holdout: false,
    frequencyCap: false,
    marketing: true,
    email,
    context: {
      contact: { email, first_name: "Ada" },
      cart: {
        items: [{ id: "mug", name: "Mug", price: 12.5, quantity: 1 }],
        value: 12.5,
        currency: "EUR",
        count: 1,
      },
    },
  };
}

describe("account-wide pacing", () => {
  it("spaces a burst at the configured rate and turns the overflow into a later retry", async () => {
    const pacer = env.PACER.get(env.PACER.idFromName("pacing-test"));
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await pacer.reserveSlot(4, 1_000));
    const waits = results.map((r) => (r.ok ? r.waitMs : -1));
    // 4 per second: four go now; the next slot is a window (1.1 s) on, past 1 s of waiting →
    // retry later (never 5 in one second).
    expect(waits.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(waits.slice(4)).toEqual([-1, -1]);
    const overflow = [];
    for (let i = 0; i < 6; i++) overflow.push(await pacer.reserveSlot(4, 1_000));
    expect(overflow.some((r) => !r.ok && r.retryAfterMs > 1_000)).toBe(true);
  });

  it("keeps the slot of a send told to come back, and gives it that slot when it does", async () => {
    const pacer = env.PACER.get(env.PACER.idFromName("pacing-tickets"));
    const first = [];
    for (let i = 0; i < 12; i++) first.push(await pacer.reserveSlot(4, 1_000, `k${i}`));
    // 4 now; the rest are booked ahead (a window on and later) and told when to come back.
    const told = first.flatMap((r, i) => (r.ok ? [] : [i]));
    expect(told.length).toBeGreaterThan(0);
    const i = told[0]!;
    const back = first[i]!;
    expect(back.ok).toBe(false);
    // Coming back at once is told the same slot again (no second booking, nothing lost) ...
    const again = await pacer.reserveSlot(4, 1_000, `k${i}`);
    expect(again.ok).toBe(false);
    if (!back.ok && !again.ok) expect(again.retryAfterMs).toBeLessThanOrEqual(back.retryAfterMs);
    // ... and after its wait, newcomers line up behind the booked slots instead of taking its
    // own, which it gets (without the ticket they would have taken it: told to wait again).
    if (!back.ok) await new Promise((r) => setTimeout(r, back.retryAfterMs));
    for (let n = 0; n < 6; n++) await pacer.reserveSlot(4, 1_000, `new${n}`);
    const taken = await pacer.reserveSlot(4, 1_000, `k${i}`);
    expect(taken.ok).toBe(true);
    if (taken.ok) expect(taken.waitMs).toBeLessThanOrEqual(1_000);
  });
});

describe("holdout episodes", () => {
  it("run without sending, and their conversions count for the lift", async () => {
    const site = `${SITE}-holdout`;
    await seedSite(site, {
      // The purchase below comes from the browser; this site counts such purchases.
      trustBrowserPurchases: true,
      triggers: [
        {
          id: "cart-abandoned",
          on: "cart",
          holdout: 1,
          steps: [{ wait: "0s", template: "cart-abandoned", subject: "Back?" }],
        },
      ],
    });
    const email = uniqueEmail("holdout");
    const vid = newVid();
    const cart = { items: [{ id: "mug", name: "Mug", price: 20, quantity: 1 }], currency: "EUR" };
    await post({
      site,
      vid,
      events: [
        { id: eventId(), name: "identify", data: { email } },
        { id: eventId(), name: "cart", data: cart },
      ],
    });
    await runDurableObjectAlarm(env.VISITORS.get(env.VISITORS.idFromName(`${site}:${vid}`)));
    const path = await contactPath(site, email);
    await waitFor(async () => {
      const r = await getJson(path);
      return r.status === 200 && (await r.json<ContactBody>()).sends.length > 0;
    }, "the holdout decision");
    const c = await getJson(path).then((r) => r.json<ContactBody>());
    expect(c.sends).toEqual([expect.objectContaining({ outcome: "skipped", reason: "holdout" })]);
    expect(await outboxFor(email)).toHaveLength(0);

    const bought = await post({
      site,
      vid,
      events: [
        { id: eventId(), name: "purchase", data: { order_id: "h-1", value: 20, currency: "EUR" } },
      ],
    });
    expect(bought.status).toBe(202);
    const report = await getJson(`/admin/api/stats?site=${site}`).then((r) =>
      r.json<{
        triggers: {
          trigger: string;
          funnel: { sent: number; converted: number };
          holdout: { sent: number };
          lift: { holdout: { entered: number; converted: number }; treated: { entered: number } };
        }[];
      }>(),
    );
    const t = report.triggers.find((x) => x.trigger === "cart-abandoned");
    expect(t?.funnel.sent).toBe(0);
    expect(t?.holdout.sent).toBe(1);
    expect(t?.lift.holdout).toMatchObject({ entered: 1, converted: 1 });
    expect(t?.lift.treated.entered).toBe(0);
    // Holdout mail was never seen: no last-touch credit.
    expect(t?.funnel.converted).toBe(0);
  });
});
