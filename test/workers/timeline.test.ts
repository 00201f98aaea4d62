// "Why didn't she get it?": the admin timeline of a visitor and of a contact on the real worker.
// A shopper who carts before giving an address shows the step held for it; once she identifies,
// the step is sent and her contact's timeline shows it sent, then opened. Someone who
// unsubscribed shows the step skipped as suppressed. Activity names no address, and an address
// in the path is refused.
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { contactHash } from "../../worker/lib/crypto.ts";
import { contactStub, visitorStub } from "../../worker/lib/stubs.ts";
import type { TimelineJson } from "../../worker/timeline/entry.ts";
import {
  ADMIN,
  contactPath,
  drain,
  eventId,
  getJson,
  newVid,
  outboxTo,
  post,
  seedSite,
  uniqueEmail,
} from "./helpers.ts";

const SITE = "timeline";
const CART = {
  items: [{ id: "mug", name: "Mug", price: 18, quantity: 2 }],
  currency: "EUR",
};

beforeAll(async () => {
  await seedSite(SITE, {
    triggers: [
      {
        id: "cart-soon",
        on: "cart",
        cancelOn: ["purchase"],
        steps: [{ wait: "1s", template: "cart-abandoned", subject: "Your cart" }],
      },
    ],
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function timeline(id: string): Promise<TimelineJson> {
  const res = await getJson(`/admin/api/timeline/${SITE}/${id}`);
  expect(res.status).toBe(200);
  return res.json<TimelineJson>();
}

const line = (e: TimelineJson["entries"][number]) =>
  [e.kind, e.trigger ?? "", e.step ?? "", e.reason ?? ""].join(" ").trim();

describe("timeline", () => {
  it("a cart without an address is held for it; after identify it is sent, then opened", async () => {
    const vid = newVid();
    const email = uniqueEmail("shopper");
    await post({ site: SITE, vid, events: [{ id: eventId(), name: "cart", data: CART }] });
    await sleep(1300);
    await drain(SITE, vid);
    const held = await timeline(vid);
    expect(held.of).toBe("visitor");
    expect(held.contact).toBeNull();
    expect(held.entries.map(line)).toEqual(
      expect.arrayContaining(["event", "entered cart-soon", "held cart-soon 1 no_email"]),
    );
    expect(held.entries.find((e) => e.kind === "event")?.detail).toBe("cart 2 items 36 EUR");

    await post({
      site: SITE,
      vid,
      events: [{ id: eventId(), name: "identify", data: { email, first_name: "Ada" } }],
    });
    await drain(SITE, vid);
    const [mail] = await outboxTo(email);
    expect(mail).toBeDefined();
    const pixel = /<img[^>]+src="https?:\/\/[^"/]+(\/o\/[^"]+)"/.exec(mail!.html)![1]!;
    expect(
      (await exports.default.fetch(`http://nudge.test${pixel.replaceAll("&amp;", "&")}`)).status,
    ).toBe(200);

    const visitor = await timeline(vid);
    // The send shows once: the contact's ledger line and the visitor's copy of the same answer
    // are merged (the ledger's line stays).
    const all = visitor.entries.map(line);
    expect(all.filter((l) => l === "sent cart-soon 1")).toHaveLength(1);
    expect(all.indexOf("held cart-soon 1 no_email")).toBeLessThan(all.indexOf("sent cart-soon 1"));
    expect(visitor.contact).toMatch(/^[0-9a-f]{24}$/);
    // The activity names no one: not the address, not the name given with it.
    const json = JSON.stringify(visitor);
    expect(json).not.toContain(email);
    expect(json).not.toContain("@");
    expect(json).not.toContain("Ada");

    const contact = (await contactPath(SITE, email)).split("/").at(-1)!;
    const person = await timeline(contact);
    expect(person.of).toBe("contact");
    expect(person.visitors).toEqual([vid]);
    const own = person.entries.filter((e) => !e.vid).map(line);
    expect(own).toEqual(["sent cart-soon 1", "opened cart-soon 1"]);
    // The visitor's activity is merged in, tagged with its id, in time order.
    expect(person.entries.some((e) => e.vid === vid && e.kind === "held")).toBe(true);
    // Times are ISO 8601, in time order.
    const times = person.entries.map((e) => e.at);
    for (const t of times) expect(t).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(times).toEqual([...times].sort((a, b) => Date.parse(a) - Date.parse(b)));
    expect(person.entries.map(line).filter((l) => l === "sent cart-soon 1")).toHaveLength(1);
    expect(JSON.stringify(person)).not.toContain("@");
  }, 30_000);

  it("someone who unsubscribed shows the step skipped as suppressed", async () => {
    const vid = newVid();
    const email = uniqueEmail("gone");
    await post({ site: SITE, vid, events: [{ id: eventId(), name: "identify", data: { email } }] });
    const contact = await contactHash(env.NUDGE_SECRET, SITE, email);
    await contactStub(env, SITE, contact).unsubscribe(SITE, contact);
    await post({ site: SITE, vid, events: [{ id: eventId(), name: "cart", data: CART }] });
    await sleep(1300);
    await drain(SITE, vid);
    expect(await outboxTo(email)).toEqual([]);
    const visitor = await timeline(vid);
    // Once: the contact's ledger line stands for the visitor's copy of the same answer.
    expect(
      visitor.entries.map(line).filter((l) => l === "skipped cart-soon 1 suppressed"),
    ).toHaveLength(1);
    const person = await timeline(contact);
    expect(person.entries.filter((e) => !e.vid).map(line)).toEqual([
      "unsubscribed",
      "skipped cart-soon 1 suppressed",
    ]);
  }, 30_000);

  it("keeps the activity in the state row: a batch writes no more rows than before", async () => {
    const vid = newVid();
    const stub = visitorStub(env, SITE, vid);
    const batch = (name: string, data: unknown) =>
      stub.ingest({
        site: SITE,
        vid,
        tz: null,
        base: null,
        events: [{ id: eventId(), name, at: Date.now(), data } as never],
      });
    // One state row per batch (the cart's step is due later: no outbox row yet).
    expect((await batch("page", { url: "https://shop.example/" })).rowsWritten).toBe(1);
    expect((await batch("product", { id: "mug", name: "Mug", price: 18 })).rowsWritten).toBe(1);
    const a = await stub.activity();
    expect(a?.entries.map((e) => e.detail)).toEqual(["page", "product mug"]);
    // Erasure erases it with the state.
    await stub.erase();
    expect(await stub.activity()).toBeNull();
  });

  it("refuses an address in the path, a bad id, and answers 404 for nobody", async () => {
    for (const id of ["ada@example.com", "ada%40example.com"]) {
      const res = await getJson(`/admin/api/timeline/${SITE}/${id}`);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: "address_in_url" });
    }
    expect((await getJson(`/admin/api/timeline/${SITE}/x`)).status).toBe(400);
    expect((await getJson(`/admin/api/timeline/${SITE}/${"0".repeat(24)}`)).status).toBe(404);
    expect((await getJson(`/admin/api/timeline/${SITE}/${newVid()}`)).status).toBe(404);
    expect((await getJson(`/admin/api/timeline/${SITE}/${newVid()}`, {})).status).toBe(401);
  });

  it("the page: the form turns an address into its id server-side; the page shows the reasons", async () => {
    const vid = newVid();
    const email = uniqueEmail("page");
    await post({ site: SITE, vid, events: [{ id: eventId(), name: "identify", data: { email } }] });
    const contact = await contactHash(env.NUDGE_SECRET, SITE, email);
    await contactStub(env, SITE, contact).unsubscribe(SITE, contact);
    await post({ site: SITE, vid, events: [{ id: eventId(), name: "cart", data: CART }] });
    await sleep(1300);
    await drain(SITE, vid);

    const form = await exports.default.fetch("http://nudge.test/admin/timeline", {
      method: "POST",
      redirect: "manual",
      headers: {
        ...ADMIN,
        origin: "http://nudge.test",
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ site: SITE, q: email.toUpperCase() }).toString(),
    });
    expect(form.status).toBe(303);
    const location = form.headers.get("location")!;
    expect(location).toBe(`/admin/timeline?site=${SITE}&id=${contact}`);

    const res = await exports.default.fetch(`http://nudge.test${location}`, { headers: ADMIN });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("unsubscribed, bounced or complained"); // the reason in words
    expect(html).toContain("<code>suppressed</code>");
    expect(html).toContain("cart-soon");
    expect(html).not.toContain(email);
    // The one inline script runs by its nonce; nothing else may.
    const nonce = /<script nonce="([^"]+)">/.exec(html)?.[1];
    expect(nonce).toBeTruthy();
    expect(res.headers.get("content-security-policy")).toContain(`script-src 'nonce-${nonce}'`);

    // Not signed in: the sign-in page, not the timeline.
    const anon = await exports.default.fetch(`http://nudge.test${location}`);
    expect(anon.status).toBe(401);
    expect(await anon.text()).toContain("Sign in");
    // An address typed into the URL is refused, and not echoed back.
    const bad = await exports.default.fetch(
      `http://nudge.test/admin/timeline?site=${SITE}&id=${encodeURIComponent(email)}`,
      { headers: ADMIN },
    );
    expect(bad.status).toBe(400);
    expect(await bad.text()).not.toContain(email);
  }, 30_000);
});
