// Double opt-in on the real worker: an address a browser gives gets one confirmation email and
// nothing else until its owner presses the button on /v/<token>; then held steps go out, on every
// device of the person. Order mail (exempt from the cap) needs a verified address in any mode.
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { contactHash } from "../../worker/lib/crypto.ts";
import { signToken } from "../../worker/mail/tokens.ts";
import {
  contactPath,
  drain,
  eventId,
  getJson,
  newVid,
  outboxTo,
  post,
  seedSite,
  triggerOf,
  uniqueEmail,
} from "./helpers.ts";

const SITE = "optin";
const SINGLE = "optin-single";
const SECRET = "test-nudge-secret-0123456789abcdef";

const triggers = [
  {
    id: "cart-now",
    on: "cart",
    steps: [{ wait: "0s", template: "cart-abandoned", subject: "You left something behind" }],
  },
  {
    id: "thank-you",
    on: "purchase",
    frequencyCap: false,
    marketing: false,
    reentry: "always",
    steps: [{ wait: "0s", template: "thank-you", subject: "Thanks for your order" }],
  },
];

beforeAll(async () => {
  await seedSite(SITE, { optIn: "double", brand: { name: "Opt Shop" }, triggers });
  await seedSite(SINGLE, { optIn: "single", triggers });
});

const identify = (email: string) => ({ id: eventId(), name: "identify", data: { email } });
const cart = () => ({
  id: eventId(),
  name: "cart",
  data: { items: [{ id: "mug", name: "Mug", price: 12, quantity: 1 }], currency: "EUR" },
});
const purchase = () => ({
  id: eventId(),
  name: "purchase",
  data: { order_id: `o-${eventId()}`, value: 12, currency: "EUR" },
});

async function visit(site: string, events: unknown[], vid = newVid()): Promise<string> {
  const res = await post({ site, vid, events });
  expect(res.status).toBe(202);
  await drain(site, vid);
  return vid;
}

/** The path of the confirmation button in an email's HTML. */
function confirmPath(html: string): string {
  const m = /href="https?:\/\/[^"/]+(\/v\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)"/.exec(html);
  if (!m?.[1]) throw new Error("no /v/ link in the confirmation email");
  return m[1];
}

const fetchPath = (path: string, init?: RequestInit) =>
  exports.default.fetch(`http://nudge.test${path}`, init);

async function verifiedOf(site: string, email: string) {
  const res = await getJson(await contactPath(site, email));
  return (await res.json<{ verified: { via: string } | null }>()).verified;
}

describe("double opt-in", () => {
  it("sends one confirmation, holds the rest, and releases it on every device once confirmed", async () => {
    const email = uniqueEmail("ana");
    const phone = await visit(SITE, [identify(email), cart()]);
    const laptop = await visit(SITE, [identify(email), cart()]);
    let mails = await outboxTo(email);
    expect(mails.map(triggerOf)).toEqual(["_confirm"]);
    const [ask] = mails;
    expect(ask!.subject).toBe("Please confirm your email for Opt Shop");
    expect(ask!.headers["List-Unsubscribe"]).toBeUndefined();
    const path = confirmPath(ask!.html);
    expect(ask!.text).toContain(path);

    // GET shows a button and confirms nothing (mail scanners follow links).
    const page = await fetchPath(path);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`<form method="post" action="${path}">`);
    expect(await verifiedOf(SITE, email)).toBeNull();

    const done = await fetchPath(path, { method: "POST" });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("you are confirmed");
    expect(await verifiedOf(SITE, email)).toMatchObject({ via: "confirmed" });

    await drain(SITE, phone);
    await drain(SITE, laptop);
    mails = await outboxTo(email);
    // Both devices' held steps were released; the frequency cap lets the first one through.
    expect(mails.filter((m) => triggerOf(m) === "cart-now")).toHaveLength(1);
    expect(mails.filter((m) => triggerOf(m) === "_confirm")).toHaveLength(1);
    const logs = await getJson(await contactPath(SITE, email));
    const sends = (await logs.json<{ sends: { key: string; reason?: string }[] }>()).sends;
    expect(
      sends.filter((s) => s.key.includes(".cart-now.")).map((s) => s.reason ?? "sent"),
    ).toEqual(expect.arrayContaining(["sent", "capped"]));

    // Pressing the button again is harmless.
    expect((await fetchPath(path, { method: "POST" })).status).toBe(200);
    expect((await outboxTo(email)).length).toBe(mails.length);
  });

  it("a verified person's new device needs no confirmation", async () => {
    const email = uniqueEmail("bo");
    await visit(SITE, [identify(email), cart()]);
    const [ask] = await outboxTo(email);
    expect((await fetchPath(confirmPath(ask!.html), { method: "POST" })).status).toBe(200);
    await visit(SITE, [identify(email), cart()]);
    const mails = await outboxTo(email);
    expect(mails.map(triggerOf)).toEqual(["_confirm", "cart-now"]);
    expect(await verifiedOf(SITE, email)).toMatchObject({ via: "confirmed" });
  });

  it("asks an address at most once a day, however many visitor ids name it", async () => {
    const email = uniqueEmail("victim");
    for (let i = 0; i < 12; i++) await visit(SITE, [identify(email), cart(), purchase()]);
    const mails = await outboxTo(email);
    expect(mails.map(triggerOf)).toEqual(["_confirm"]);
  });

  it("refuses a tampered, foreign or unknown confirmation and changes nothing", async () => {
    const email = uniqueEmail("cy");
    await visit(SITE, [identify(email), cart()]);
    const [ask] = await outboxTo(email);
    const path = confirmPath(ask!.html);
    const tampered = path.slice(0, -2) + (path.endsWith("AA") ? "BB" : "AA");
    expect((await fetchPath(tampered, { method: "POST" })).status).toBe(400);
    // A token of another kind (unsubscribe) for the same contact does not confirm.
    const contact = await contactHash(SECRET, SITE, email);
    const unsub = await signToken(
      SECRET,
      { kind: "unsubscribe", site: SITE, contact },
      { now: Date.now() },
    );
    expect((await fetchPath(`/v/${unsub}`, { method: "POST" })).status).toBe(400);
    // A well-signed token for an address never written to creates nobody.
    const stranger = await contactHash(SECRET, SITE, uniqueEmail("nobody"));
    const forged = await signToken(
      SECRET,
      { kind: "verify", site: SITE, contact: stranger },
      { now: Date.now() },
    );
    expect((await fetchPath(`/v/${forged}`, { method: "POST" })).status).toBe(410);
    expect((await getJson(`/admin/api/contacts/${SITE}/${stranger}`)).status).toBe(404);
    expect(await verifiedOf(SITE, email)).toBeNull();
    expect((await outboxTo(email)).map(triggerOf)).toEqual(["_confirm"]);
  });
});

describe("order mail needs a verified address", () => {
  it("single opt-in: a browser's purchase for an unverified address sends no order mail", async () => {
    const email = uniqueEmail("dee");
    await visit(SINGLE, [identify(email), purchase(), purchase()]);
    expect(await outboxTo(email)).toEqual([]);
    const res = await getJson(await contactPath(SINGLE, email));
    const sends = (await res.json<{ sends: { reason?: string }[] }>()).sends;
    expect(sends.map((s) => s.reason)).toEqual(["unverified", "unverified"]);
  });

  it("single opt-in: once the address is verified (a click on our link), order mail goes out", async () => {
    const email = uniqueEmail("eve");
    const vid = await visit(SINGLE, [identify(email), cart()]);
    const [cartMail] = await outboxTo(email);
    expect(triggerOf(cartMail!)).toBe("cart-now");
    const click = /href="https?:\/\/[^"/]+(\/c\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)"/.exec(
      cartMail!.html,
    )?.[1];
    expect(click).toBeDefined();
    const res = await fetchPath(click!, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(await verifiedOf(SINGLE, email)).toMatchObject({ via: "click" });
    await visit(SINGLE, [purchase()], vid);
    expect((await outboxTo(email)).map(triggerOf)).toEqual(["cart-now", "thank-you"]);
  });
});

describe("the Contact object's own check", () => {
  it("never sends a step for an unconfirmed address, even if a visitor asks", async () => {
    const email = uniqueEmail("fay");
    const vid = await visit(SITE, [identify(email), cart()]);
    const contact = await contactHash(SECRET, SITE, email);
    const stub = env.CONTACTS.get(env.CONTACTS.idFromName(`${SITE}:${contact}`));
    const out = await stub.deliver({
      site: SITE,
      vid,
      contact,
      base: "http://nudge.test",
      attempt: 0,
      effect: {
        type: "send",
        key: `${SITE}.cart-now.forged.0`,
        trigger: "cart-now",
        episode: "forged",
        step: 0,
        due: Date.now(),
        variant: null,
        holdout: false,
        template: "cart-abandoned",
        subject: "Hi",
        frequencyCap: true,
        marketing: true,
        email,
        context: {},
      },
    });
    expect(out).toEqual({ status: "skipped", reason: "unconfirmed" });
    expect((await outboxTo(email)).map(triggerOf)).toEqual(["_confirm"]);
  });
});
