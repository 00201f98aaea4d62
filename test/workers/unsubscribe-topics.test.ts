// The unsubscribe page's two choices on the real worker: an email's link names its kind (the
// trigger's topic), GET offers "Stop <kind>" or everything and changes nothing, POST scope=kind
// stops that kind alone (a later step of any trigger of the topic is skipped
// `unsubscribed_topic`, counted and shown in the timeline, while other mail still goes out), the
// way back lifts it, one-click still stops everything, and a tampered link or scope changes
// nothing.
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { Timeline } from "../../worker/admin/timeline.ts";
import { fromBase64Url, toBase64Url, utf8 } from "../../worker/lib/crypto.ts";
import { signToken } from "../../worker/mail/tokens.ts";
import {
  ADMIN,
  contactPath,
  drain,
  eventId,
  getJson,
  newVid,
  ORIGIN,
  outboxTo,
  post,
  seedSite,
  serverPost,
  triggerOf,
  uniqueEmail,
} from "./helpers.ts";

const SITE = "topics";
const CART = { items: [{ id: "mug", name: "Mug", price: 18, quantity: 1 }], currency: "EUR" };
const FORM = { "content-type": "application/x-www-form-urlencoded", accept: "text/html" };

beforeAll(async () => {
  await seedSite(SITE, {
    frequencyCap: false,
    triggers: [
      {
        id: "cart-abandoned",
        topic: { id: "reminders", label: "cart reminders" },
        on: "cart",
        steps: [{ wait: "0s", template: "cart-abandoned", subject: "Your cart" }],
      },
      {
        id: "checkout-abandoned",
        topic: "reminders",
        on: "checkout",
        steps: [{ wait: "0s", template: "checkout-abandoned", subject: "Your order" }],
      },
      {
        id: "welcome",
        on: "form_submit",
        steps: [{ wait: "0s", template: "welcome", subject: "Welcome!" }],
      },
    ],
  });
});

interface ContactBody {
  suppressed: { reason: string } | null;
  optedOut: Record<string, number>;
  sends: { key: string; outcome: string; reason?: string }[];
}

async function contact(email: string): Promise<ContactBody> {
  const res = await getJson(await contactPath(SITE, email));
  expect(res.status).toBe(200);
  return res.json<ContactBody>();
}

async function send(vid: string, events: { name: string; data: unknown; url?: string }[]) {
  const res = await post({
    site: SITE,
    vid,
    events: events.map((e) => ({ id: eventId(), ...e })),
  });
  expect(res.status).toBe(202);
  await drain(SITE, vid);
}

/** A shopper who got the cart reminder; its unsubscribe link. */
async function reminded(tag: string) {
  const email = uniqueEmail(tag);
  const vid = newVid();
  await send(vid, [
    { name: "identify", data: { email } },
    { name: "cart", data: CART },
  ]);
  const [m] = await outboxTo(email);
  expect(m && triggerOf(m)).toBe("cart-abandoned");
  const unsub = /<([^>]+)>/.exec(m!.headers["List-Unsubscribe"]!)![1]!;
  return { email, vid, unsub };
}

const postTo = (url: string, body: string, headers: Record<string, string> = FORM) =>
  exports.default.fetch(url, { method: "POST", headers, body });

describe("unsubscribe from one kind of email", () => {
  it("the page offers the kind or everything; scope=kind stops that topic only", async () => {
    const { email, vid, unsub } = await reminded("kind");

    const page = await exports.default.fetch(unsub);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html.match(/<form /g)).toHaveLength(1);
    expect(html).toContain('name="scope" value="kind">Stop cart reminders</button>');
    expect(html).toContain('value="all" class="quiet">Unsubscribe from all marketing email<');
    const before = await contact(email);
    expect(before).toMatchObject({ suppressed: null, optedOut: {} });

    const stopped = await postTo(unsub, "scope=kind");
    expect(stopped.status).toBe(200);
    const done = await stopped.text();
    expect(done).toContain("You will not get cart reminders any more");
    expect(done).toContain('name="scope" value="kind" class="quiet">Get cart reminders again<');
    const after = await contact(email);
    expect(after.suppressed).toBeNull();
    expect(Object.keys(after.optedOut)).toEqual(["reminders"]);

    // Another trigger of the topic is skipped; a welcome (another kind) still goes out.
    const spy = vi.spyOn(console, "log");
    let lines: string[];
    try {
      await send(vid, [{ name: "checkout", data: {} }]);
      await send(vid, [
        { name: "form_submit", url: `${ORIGIN}/signup`, data: { form: "signup", email } },
      ]);
    } finally {
      lines = spy.mock.calls.map((c) => String(c[0]));
      spy.mockRestore();
    }
    expect(
      lines.some(
        (l) =>
          l.includes('"msg":"send.skipped"') &&
          l.includes('"reason":"unsubscribed_topic"') &&
          l.includes('"trigger":"checkout-abandoned"'),
      ),
      lines.join("\n"),
    ).toBe(true);
    expect((await outboxTo(email)).map(triggerOf)).toEqual(["cart-abandoned", "welcome"]);
    const { sends } = await contact(email);
    expect(sends.find((s) => s.key.includes(".checkout-abandoned."))).toMatchObject({
      outcome: "skipped",
      reason: "unsubscribed_topic",
    });

    // Counted among the skip reasons, and told in words in the timeline.
    const stats = await getJson(`/admin/api/stats?site=${SITE}`).then((r) =>
      r.json<{
        triggers: { trigger: string; skipReasons: { reason: string; count: number }[] }[];
        suppression: { unsubscribed: number; topics: { reason: string; count: number }[] };
      }>(),
    );
    // The opt-out itself is counted by topic, apart from unsubscribes from everything.
    expect(stats.suppression).toMatchObject({
      unsubscribed: 0,
      topics: [{ reason: "reminders", count: 1 }],
    });
    const checkout = stats.triggers.find((t) => t.trigger === "checkout-abandoned");
    expect(checkout?.skipReasons).toContainEqual({ reason: "unsubscribed_topic", count: 1 });
    const id = (await contactPath(SITE, email)).split("/").pop()!;
    const t = await getJson(`/admin/api/timeline/${SITE}/${id}`).then((r) => r.json<Timeline>());
    expect(t.entries).toContainEqual(
      expect.objectContaining({ kind: "opted_out", detail: "opted out of reminders emails" }),
    );
    expect(t.entries).toContainEqual(
      expect.objectContaining({
        kind: "skipped",
        trigger: "checkout-abandoned",
        reason: "unsubscribed_topic",
        detail: "opted out of reminders emails",
      }),
    );

    // The way back lifts that kind's opt-out.
    const back = await postTo(unsub, "action=resubscribe&scope=kind");
    expect(back.status).toBe(200);
    expect(await back.text()).toContain("You will get cart reminders again");
    expect((await contact(email)).optedOut).toEqual({});
  });

  it("one-click (and scope=all) still stops all marketing email", async () => {
    const { email, unsub } = await reminded("all");
    const one = await postTo(unsub, "List-Unsubscribe=One-Click", {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(one.status).toBe(200);
    expect(await one.text()).toBe("unsubscribed");
    expect(await contact(email)).toMatchObject({
      suppressed: { reason: "unsubscribed" },
      optedOut: {},
    });

    const other = await reminded("all-page");
    const page = await postTo(other.unsub, "scope=all");
    expect(await page.text()).toContain("You are unsubscribed");
    expect((await contact(other.email)).suppressed).toMatchObject({ reason: "unsubscribed" });
  });

  it("the stopped topics are exported with the contact and erased with it", async () => {
    const { email, unsub } = await reminded("erase");
    expect((await postTo(unsub, "scope=kind")).status).toBe(200);
    const path = await contactPath(SITE, email);
    const exported = await getJson(`${path}/export`);
    expect(JSON.stringify(await exported.json())).toContain('"optedOut":{"reminders":');
    const del = await exports.default.fetch(`http://nudge.test${path}`, {
      method: "DELETE",
      headers: ADMIN,
    });
    expect(del.status).toBe(200);
    await del.text();
    expect((await getJson(path)).status).toBe(404);
    // The link of an erased person brings nothing back.
    const again = await postTo(unsub, "scope=kind");
    expect(again.status).toBe(200);
    await again.text();
    expect((await getJson(path)).status).toBe(404);
  });

  it("a link minted before topics offers everything alone, and stops everything", async () => {
    const { email } = await reminded("old-link");
    const contactId = (await contactPath(SITE, email)).split("/").pop()!;
    const token = await signToken(
      env.NUDGE_SECRET,
      { kind: "unsubscribe", site: SITE, contact: contactId },
      { now: Date.now() },
    );
    const old = `http://nudge.test/u/${token}`;
    const html = await (await exports.default.fetch(old)).text();
    expect(html).toContain('name="scope" value="all">Unsubscribe</button>');
    expect(html).not.toContain('value="kind"');
    const kind = await postTo(old, "scope=kind");
    expect(kind.status).toBe(400);
    await kind.text();
    expect(await contact(email)).toMatchObject({ suppressed: null, optedOut: {} });
    const one = await postTo(old, "List-Unsubscribe=One-Click", {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(await one.text()).toBe("unsubscribed");
    expect((await contact(email)).suppressed).toMatchObject({ reason: "unsubscribed" });
  });

  it("a tampered link or an unknown scope is refused and changes nothing", async () => {
    const { email, unsub } = await reminded("tamper");
    for (const body of ["scope=everything", "scope=kind&scope=all", "scope=", "nothing=here"]) {
      const res = await postTo(unsub, body);
      expect(res.status, body).toBe(400);
      await res.text();
    }
    // The same link with its kind swapped: the signature no longer matches.
    const [head, token = ""] = unsub.split("/u/");
    const [payload = "", sig] = token.split(".");
    const json = new TextDecoder().decode(fromBase64Url(payload)!);
    expect(json).toContain('"reminders"');
    const forged = `${head}/u/${toBase64Url(utf8(json.replace('"reminders"', '"welcome"')))}.${sig}`;
    for (const body of ["scope=kind", "List-Unsubscribe=One-Click"]) {
      const res = await postTo(forged, body);
      expect(res.status).toBe(400);
      await res.text();
    }
    expect(await contact(email)).toMatchObject({ suppressed: null, optedOut: {} });
  });
});

describe("one kind of email, from the store's backend (POST /v1/events)", () => {
  const event = (name: string, email: string, data?: unknown) => ({
    id: eventId(),
    name,
    email,
    ...(data === undefined ? {} : { data }),
  });

  it("unsubscribe with a topic stops that kind alone; resubscribe with it lifts it", async () => {
    const { email, vid } = await reminded("backend-kind");
    const stop = await serverPost({
      site: SITE,
      events: [event("unsubscribe", email, { topic: "reminders" })],
    });
    expect(stop.status).toBe(202);
    expect(await stop.json()).toEqual({ accepted: 1, duplicates: 0 });
    const after = await contact(email);
    expect(after.suppressed).toBeNull();
    expect(Object.keys(after.optedOut)).toEqual(["reminders"]);

    // The other trigger of the topic is skipped; a welcome still goes out.
    await send(vid, [{ name: "checkout", data: {} }]);
    await send(vid, [
      { name: "form_submit", url: `${ORIGIN}/signup`, data: { form: "signup", email } },
    ]);
    expect((await outboxTo(email)).map(triggerOf)).toEqual(["cart-abandoned", "welcome"]);
    expect(
      (await contact(email)).sends.find((s) => s.key.includes(".checkout-abandoned.")),
    ).toMatchObject({ outcome: "skipped", reason: "unsubscribed_topic" });

    const back = await serverPost({
      site: SITE,
      events: [event("resubscribe", email, { topic: "reminders" })],
    });
    expect(back.status).toBe(202);
    await back.text();
    expect(await contact(email)).toMatchObject({ suppressed: null, optedOut: {} });
  });

  it("a topic the site's marketing does not send, or a misspelt key, is a 400 and changes nothing", async () => {
    const { email } = await reminded("backend-bad");
    const cases: [unknown, string, RegExp][] = [
      [
        { topic: "newsletter" },
        "events[0].data.topic",
        /not a topic of this site.*reminders, welcome/,
      ],
      [{ topic: "Reminders!" }, "events[0].data.topic", /must be a topic/],
      [{ topics: ["reminders"] }, "events[0].data", /topics/],
    ];
    for (const [data, path, message] of cases) {
      const res = await serverPost({ site: SITE, events: [event("unsubscribe", email, data)] });
      expect(res.status, JSON.stringify(data)).toBe(400);
      const body = await res.json<{ error: string; issues: { path: string; message: string }[] }>();
      expect(body.error).toBe("invalid_batch");
      expect(body.issues[0]?.path).toBe(path);
      expect(body.issues[0]?.message).toMatch(message);
    }
    // A good event beside a bad one is not applied either: the batch is refused whole.
    const mixed = await serverPost({
      site: SITE,
      events: [event("unsubscribe", email), event("unsubscribe", email, { topic: "nope" })],
    });
    expect(mixed.status).toBe(400);
    await mixed.text();
    expect(await contact(email)).toMatchObject({ suppressed: null, optedOut: {} });

    // Without a topic it is still everything.
    const all = await serverPost({ site: SITE, events: [event("unsubscribe", email)] });
    expect(all.status).toBe(202);
    await all.text();
    expect(await contact(email)).toMatchObject({
      suppressed: { reason: "unsubscribed" },
      optedOut: {},
    });
  });
});
