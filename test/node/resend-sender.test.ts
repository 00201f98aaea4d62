// ResendSender (real resend SDK over loopback) against the contract-validating fake Resend.
import { Resend } from "resend";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ResendSender } from "../../worker/mail/resend-sender.ts";
import type { OutgoingEmail } from "../../worker/mail/sender.ts";
import { startFakeResend, type FakeResend } from "../support/fake-resend.ts";

const KEY = "re_test_123";
let fake: FakeResend;
beforeAll(async () => {
  fake = await startFakeResend({ apiKey: KEY });
});
afterAll(() => fake.close());
afterEach(() => fake.setFaults({}));

let n = 0;
function email(over: Partial<OutgoingEmail> = {}): OutgoingEmail {
  return {
    idempotencyKey: `demo:cart-abandoned:ep${++n}:0`,
    from: "Demo Shop <shop@example.com>",
    to: "ada@example.com",
    subject: "You left something behind",
    html: "<p>Hi</p>",
    text: "Hi",
    headers: {
      "List-Unsubscribe": "<https://n.example/u/t>",
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    },
    tags: [
      { name: "site", value: "demo" },
      { name: "trigger", value: "cart abandoned/1" },
    ],
    ...over,
  };
}
const sender = (timeoutMs = 2000, apiKey = KEY) =>
  new ResendSender({ apiKey, baseUrl: fake.url, timeoutMs });

describe("ResendSender against the fake Resend", () => {
  it("sends with Idempotency-Key, sanitized tags and the unsubscribe headers", async () => {
    const msg = email();
    const r = await sender().send(msg);
    expect(r).toMatchObject({ ok: true, id: expect.stringMatching(/^fake_/) });
    const sent = fake.sends.find((s) => s.idempotencyKey === msg.idempotencyKey);
    expect(sent?.body).toMatchObject({
      to: "ada@example.com",
      headers: msg.headers,
      tags: [
        { name: "site", value: "demo" },
        { name: "trigger", value: "cart_abandoned_1" },
      ],
    });
  });

  it("an idempotent retry returns the same id and sends once", async () => {
    const msg = email();
    const before = fake.sends.length;
    const a = await sender().send(msg);
    const b = await sender().send(msg);
    expect(a).toEqual(b);
    expect(fake.sends.length).toBe(before + 1);
  });

  it("the same key with a different payload is a permanent failure", async () => {
    const msg = email();
    await sender().send(msg);
    const r = await sender().send({ ...msg, subject: "Different" });
    expect(r).toEqual({
      ok: false,
      retryable: false,
      reason: "http_409_invalid_idempotent_request",
      status: 409,
    });
  });

  it("classifies 429 with retry-after, 5xx, dropped connections and a bad API key", async () => {
    fake.setFaults({ rateLimit429: 1, retryAfterSec: 7 });
    expect(await sender().send(email())).toEqual({
      ok: false,
      retryable: true,
      retryAfterMs: 7000,
      reason: "http_429_rate_limit_exceeded",
      status: 429,
    });
    fake.setFaults({ error5xx: 1 });
    expect(await sender().send(email())).toMatchObject({
      ok: false,
      retryable: true,
      reason: "http_500_internal_server_error",
    });
    fake.setFaults({ drop: 1 });
    expect(await sender().send(email())).toEqual({ ok: false, retryable: true, reason: "network" });
    fake.setFaults({});
    expect(await sender(2000, "re_wrong").send(email())).toMatchObject({
      ok: false,
      retryable: false,
      reason: "http_403_invalid_api_key",
    });
  });

  it("times out a slow request, then the retry is held (409) and finally replayed, sent once", async () => {
    const msg = email();
    fake.setFaults({ slow: 1, slowMs: 400 });
    expect(await sender(100).send(msg)).toEqual({ ok: false, retryable: true, reason: "timeout" });
    fake.setFaults({});
    expect(await sender().send(msg)).toMatchObject({
      ok: false,
      retryable: true,
      reason: "http_409_concurrent_idempotent_requests",
    });
    await new Promise((r) => setTimeout(r, 450));
    const r = await sender().send(msg);
    expect(r.ok).toBe(true);
    expect(fake.sends.filter((s) => s.idempotencyKey === msg.idempotencyKey)).toHaveLength(1);
  });
});

describe("the fake enforces an account rate limit", () => {
  it("answers 429 to the request past the limit in any second, then lets one through", async () => {
    const limited = await startFakeResend({ apiKey: KEY, rateLimitPerSec: 2 });
    try {
      const s = new ResendSender({ apiKey: KEY, baseUrl: limited.url, timeoutMs: 2000 });
      const [a, b, c] = await Promise.all([s.send(email()), s.send(email()), s.send(email())]);
      expect([a, b, c].filter((r) => r.ok)).toHaveLength(2);
      expect([a, b, c].find((r) => !r.ok)).toEqual({
        ok: false,
        retryable: true,
        retryAfterMs: 1000,
        reason: "http_429_rate_limit_exceeded",
        status: 429,
      });
      expect(limited.sends).toHaveLength(2);
      await new Promise((r) => setTimeout(r, 1_050));
      expect(await s.send(email())).toMatchObject({ ok: true });
      expect(limited.sends).toHaveLength(3);
    } finally {
      await limited.close();
    }
    await expect(startFakeResend({ rateLimitPerSec: 0 })).rejects.toThrow(/positive integer/);
  });
});

describe("the fake enforces the contract", () => {
  const raw = (
    body: unknown,
    headers: Record<string, string> = {},
    path = "/emails",
    method = "POST",
  ) =>
    fetch(fake.url + path, {
      method,
      headers: {
        authorization: `Bearer ${KEY}`,
        "content-type": "application/json",
        "idempotency-key": "k-raw",
        ...headers,
      },
      body: method === "GET" ? undefined : JSON.stringify(body),
    });
  const valid = { from: "a@example.com", to: "b@example.com", subject: "s", html: "<p>x</p>" };

  it("rejects a tag with a space sent through the real SDK", async () => {
    const client = new Resend(KEY, { baseUrl: fake.url });
    const r = await client.emails.send(
      { ...valid, tags: [{ name: "bad tag", value: "x" }] },
      { idempotencyKey: "k-tag" },
    );
    expect(r.error).toMatchObject({ statusCode: 422, name: "validation_error" });
    expect(r.error?.message).toMatch(/tag name "bad tag"/);
  });

  it("rejects bodies that break the OpenAPI schema, bad auth, unknown routes and bad keys", async () => {
    const missingTo = await raw({ from: "a@example.com", subject: "s", html: "x" });
    expect(missingTo.status).toBe(422);
    expect(await missingTo.json()).toMatchObject({
      name: "validation_error",
      message: expect.stringMatching(/'to'/),
    });
    expect((await raw({ ...valid, to: 42 })).status).toBe(422);
    expect((await raw({ ...valid, tags: "x" })).status).toBe(422);
    expect((await raw({ from: "a@example.com", to: "b@example.com", subject: "s" })).status).toBe(
      422,
    );
    expect((await raw(valid, { authorization: "" })).status).toBe(401);
    expect((await raw(valid, { authorization: "Basic abc" })).status).toBe(401);
    expect((await raw(valid, { "idempotency-key": "k".repeat(257) })).status).toBe(400);
    expect((await raw(valid, {}, "/mails")).status).toBe(404);
    expect((await raw(valid, {}, "/emails", "PUT")).status).toBe(405);
    expect((await raw(valid)).status).toBe(200);
    const noKey = await fetch(fake.url + "/emails", {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify(valid),
    });
    expect(noKey.status).toBe(400);
  });
});
