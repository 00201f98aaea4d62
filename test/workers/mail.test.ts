// The mail building blocks run inside workerd (not only Node): LiquidJS rendering of every default
// template, HMAC tokens, svix verification, the Resend SDK's error path and the dev outbox object.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import sample from "../../templates/sample-data.json";
import { devOutbox } from "../../worker/mail/dev-outbox.ts";
import { makeLinkSigner } from "../../worker/mail/links.ts";
import { renderEmail } from "../../worker/mail/render.ts";
import { ResendSender } from "../../worker/mail/resend-sender.ts";
import { signToken, verifyToken } from "../../worker/mail/tokens.ts";
import { svixSign, verifySvix } from "../../worker/ingest/svix.ts";

describe("mail in workerd", () => {
  it("renders every default template", async () => {
    const signer = makeLinkSigner(
      "s",
      "https://nudge.example.com",
      {
        site: "demo",
        contact: "c",
        email: "ada@example.com",
        trigger: "t",
        episode: "e",
        step: 0,
        variant: null,
      },
      Date.now(),
    );
    for (const [template, spec] of Object.entries(sample.templates)) {
      const r = await renderEmail({
        template,
        ...spec,
        context: sample.context,
        signer,
        allowedOrigins: sample.origins,
      });
      expect(r.ok, template).toBe(true);
      expect(r.ok && r.html).toContain("https://nudge.example.com/c/");
    }
  });

  it("signs and verifies tokens and webhooks", async () => {
    const tok = await signToken(
      "k",
      { kind: "unsubscribe", site: "demo", contact: "c0ffee" },
      { now: 0 },
    );
    expect(await verifyToken("k", tok, 1, "unsubscribe")).toMatchObject({ ok: true });
    const secret = "whsec_dGVzdC13ZWJob29rLXNlY3JldA==";
    const body = JSON.stringify({
      type: "email.complained",
      created_at: "t",
      data: {
        email_id: "e",
        created_at: "t",
        from: "f",
        to: ["a@b.co"],
        subject: "s",
      },
    });
    const ts = Math.floor(Date.now() / 1000);
    const sig = await svixSign(secret, "msg_1", ts, body);
    const r = await verifySvix(
      secret,
      { "svix-id": "msg_1", "svix-timestamp": String(ts), "svix-signature": `v1,${sig}` },
      body,
      Date.now(),
    );
    expect(r).toMatchObject({ ok: true, event: { type: "email.complained" } });
  });

  it("loads the Resend SDK and classifies an unreachable API as a retryable network error", async () => {
    const sender = new ResendSender({
      apiKey: "re_x",
      baseUrl: "http://127.0.0.1:9",
      timeoutMs: 2000,
    });
    const r = await sender.send({
      idempotencyKey: "k",
      from: "a@example.com",
      to: "b@example.com",
      subject: "s",
      html: "<p>x</p>",
      text: "x",
      headers: {},
      tags: [],
    });
    expect(r).toMatchObject({ ok: false, retryable: true });
  });
});

describe("dev outbox object", () => {
  it("keeps each idempotency key once, newest first, and finds records by id", async () => {
    const store = devOutbox(env);
    const email = (key: string, subject: string) => ({
      idempotencyKey: key,
      from: "a@example.com",
      to: "b@example.com",
      subject,
      html: "<p>x</p>",
      text: "x",
      headers: {},
      tags: [],
    });
    const key = `outbox-test-${Date.now()}`;
    const first = await store.insert({ id: `${key}-a`, at: 1, email: email(key, "first") });
    const again = await store.insert({ id: `${key}-b`, at: 2, email: email(key, "second") });
    expect(again).toEqual(first);
    await store.insert({
      id: `${key}-c`,
      at: Date.now() + 60_000,
      email: email(`${key}2`, "newer"),
    });
    const list = await store.list(500);
    expect(list.filter((r) => r.email.idempotencyKey === key)).toHaveLength(1);
    expect(list[0]?.email.subject).toBe("newer");
    expect(await store.get(`${key}-a`)).toMatchObject({ email: { subject: "first" } });
    expect(await store.get("dev_nope")).toBeNull();
  });
});
