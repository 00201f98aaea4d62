// Opens and clicks through the real routes (/o pixel, /c redirect) reach the engine as
// email_open and email_click events of the visitor that sent the step: triggers on them start
// episodes, their `if` can read which trigger the email came from and where the click went, an
// open counts once per email (in the engine and in the stats, whether our pixel or Resend reports
// it), and a forged token reaches no one.
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { svixSign } from "../../worker/ingest/svix.ts";
import type { Funnel, Report } from "../../worker/stats/report.ts";
import {
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

const SITE = "engagement";

beforeAll(async () => {
  await seedSite(SITE, {
    triggers: [
      {
        id: "cart-soon",
        on: "cart",
        steps: [{ wait: "1s", template: "cart-abandoned", subject: "Your cart" }],
      },
      {
        id: "opened-cart-mail",
        on: "email_open",
        if: { "event.trigger": { eq: "cart-soon" } },
        cancelOn: ["purchase"],
        steps: [{ wait: "1d", template: "cart-abandoned-2", subject: "Still there?" }],
      },
      {
        id: "clicked-cart-mail",
        on: "email_click",
        if: { "event.trigger": { eq: "cart-soon" } },
        cancelOn: ["purchase"],
        steps: [{ wait: "1d", webhook: "https://hooks.example.com/clicked" }],
      },
      {
        id: "clicked-elsewhere",
        on: "email_click",
        if: { "event.trigger": { eq: "some-other-trigger" } },
        steps: [{ wait: "1d", webhook: "https://hooks.example.com/never" }],
      },
    ],
  });
});

async function episodes(vid: string) {
  const res = await getJson(`/admin/api/visitors/${SITE}/${vid}`);
  const body = await res.json<{
    engine: {
      episodes: Record<
        string,
        { snap: { event: { name: string; data: Record<string, unknown> } } }
      >;
    };
  }>();
  return body.engine.episodes;
}

/** The cart email sent to a fresh shopper, and the shopper's visitor id. */
async function cartMail() {
  const email = uniqueEmail("engaged");
  const vid = newVid();
  await post({
    site: SITE,
    vid,
    events: [
      { id: eventId(), name: "identify", data: { email } },
      {
        id: eventId(),
        name: "cart",
        data: { items: [{ id: "mug", name: "Mug", price: 18, quantity: 1 }], currency: "EUR" },
      },
    ],
  });
  await new Promise((r) => setTimeout(r, 1300));
  await drain(SITE, vid);
  const [mail] = (await outboxTo(email)).filter((m) => triggerOf(m) === "cart-soon");
  if (!mail) throw new Error("no cart mail");
  return { mail, vid, email };
}

const path = (html: string, re: RegExp) => {
  const m = re.exec(html)?.[1];
  if (!m) throw new Error(`no link matching ${re}`);
  return m.replaceAll("&amp;", "&");
};

/** The cart trigger's treated funnel as GET /admin/api/stats reports it (the last 30 days). */
async function cartFunnel(): Promise<Funnel> {
  const res = await getJson(`/admin/api/stats?site=${SITE}`);
  expect(res.status).toBe(200);
  const r = await res.json<Report>();
  const t = r.triggers.find((x) => x.trigger === "cart-soon");
  if (!t) throw new Error("no cart-soon in the report");
  return t.funnel;
}

/** A signed Resend webhook about `mail` (its tags name the send, as Resend echoes them). */
async function resendEvent(
  type: string,
  mail: { tags: { name: string; value: string }[] },
  to: string,
) {
  const body = JSON.stringify({
    type,
    created_at: new Date().toISOString(),
    data: {
      email_id: crypto.randomUUID(),
      created_at: new Date().toISOString(),
      from: "Demo Shop <shop@example.com>",
      to: [to],
      subject: "Your cart",
      tags: Object.fromEntries(mail.tags.map((t) => [t.name, t.value])),
    },
  });
  const id = `msg_${crypto.randomUUID()}`;
  const ts = Math.floor(Date.now() / 1000);
  const sig = await svixSign("whsec_dGVzdC13ZWJob29rLXNlY3JldA==", id, ts, body);
  const res = await exports.default.fetch("http://nudge.test/webhooks/resend", {
    method: "POST",
    headers: { "svix-id": id, "svix-timestamp": String(ts), "svix-signature": `v1,${sig}` },
    body,
  });
  expect(await res.json()).toEqual({ ok: true, duplicate: false });
}

describe("opens count once per email in the stats", () => {
  it("two pixel hits and Resend's email.opened for one send are one open, and one delivery", async () => {
    const { mail, email } = await cartMail();
    const before = await cartFunnel();
    const pixel = path(mail.html, /<img[^>]+src="https?:\/\/[^"/]+(\/o\/[^"]+)"/);
    for (let i = 0; i < 2; i++) {
      expect((await exports.default.fetch(`http://nudge.test${pixel}`)).status).toBe(200);
    }
    await resendEvent("email.opened", mail, email);
    // The open proves the delivery; Resend's delivered event for the same send adds nothing.
    await resendEvent("email.delivered", mail, email);
    const after = await cartFunnel();
    expect(after.opened - before.opened).toBe(1);
    expect(after.delivered - before.delivered).toBe(1);
    expect(after.opened).toBeLessThanOrEqual(after.delivered);
    expect(after.delivered).toBeLessThanOrEqual(after.sent);
  }, 30_000);
});

describe("opens and clicks reach the engine", () => {
  it("the open pixel starts the email_open trigger of that email's trigger, once", async () => {
    const { mail, vid } = await cartMail();
    expect(Object.keys(await episodes(vid))).not.toContain("opened-cart-mail");
    const pixel = path(mail.html, /<img[^>]+src="https?:\/\/[^"/]+(\/o\/[^"]+)"/);
    const res = await exports.default.fetch(`http://nudge.test${pixel}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/gif");
    const eps = await episodes(vid);
    expect(Object.keys(eps)).toContain("opened-cart-mail");
    expect(eps["opened-cart-mail"]?.snap.event).toMatchObject({
      name: "email_open",
      data: { trigger: "cart-soon", step: 0 },
    });
    // Opened again (a mail client loads images twice): the same event id, nothing restarts.
    const before = JSON.stringify(eps["opened-cart-mail"]);
    await exports.default.fetch(`http://nudge.test${pixel}`);
    expect(JSON.stringify((await episodes(vid))["opened-cart-mail"])).toBe(before);
  }, 30_000);

  it("a click redirects to the shop and starts the email_click trigger with the link it followed", async () => {
    const { mail, vid } = await cartMail();
    const click = path(mail.html, /href="https?:\/\/[^"/]+(\/c\/[^"]+)"/);
    const res = await exports.default.fetch(`http://nudge.test${click}`, { redirect: "manual" });
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get("location")!);
    expect(to.origin).toBe("http://127.0.0.1:8080");
    expect(to.searchParams.get("nudge_t")).toBeTruthy();
    const eps = await episodes(vid);
    expect(Object.keys(eps)).toContain("clicked-cart-mail");
    expect(Object.keys(eps)).not.toContain("clicked-elsewhere");
    const href = eps["clicked-cart-mail"]?.snap.event.data.href as string;
    expect(`${new URL(href).origin}${new URL(href).pathname}`).toBe(`${to.origin}${to.pathname}`);
  }, 30_000);

  it("a forged or tampered token starts nothing", async () => {
    const { mail, vid } = await cartMail();
    const click = path(mail.html, /href="https?:\/\/[^"/]+(\/c\/[^"]+)"/);
    const tampered = `${click.slice(0, -3)}${click.endsWith("A") ? "B" : "A"}${click.slice(-2)}`;
    const res = await exports.default.fetch(`http://nudge.test${tampered}`, { redirect: "manual" });
    expect(res.status).toBeGreaterThanOrEqual(400);
    const pixel = path(mail.html, /<img[^>]+src="https?:\/\/[^"/]+(\/o\/[^"]+)"/);
    await exports.default.fetch(`http://nudge.test${pixel.slice(0, -4)}xxxx`);
    const eps = Object.keys(await episodes(vid));
    expect(eps).not.toContain("clicked-cart-mail");
    expect(eps).not.toContain("opened-cart-mail");
  }, 30_000);
});
