// Svix signature verification for Resend webhooks: one positive, every negative, event shapes.
import { describe, expect, it } from "vitest";
import { suppressionReason } from "./resend-events.ts";
import { svixSign, verifySvix } from "./svix.ts";

const SECRET = "whsec_dGVzdC13ZWJob29rLXNlY3JldA==";
const NOW = Date.UTC(2026, 0, 1, 12);
const TS = Math.floor(NOW / 1000);
const data = {
  email_id: "4ef9a417-02e9-4d39-ad75-9611e0fcc33c",
  created_at: "2026-01-01T11:59:00.000Z",
  from: "Demo Shop <shop@example.com>",
  to: ["ada@example.com"],
  subject: "You left something behind",
  tags: { site: "demo", trigger: "cart-abandoned" },
};
const bounced = JSON.stringify({
  type: "email.bounced",
  created_at: "2026-01-01T12:00:00.000Z",
  data: {
    ...data,
    bounce: {
      type: "Permanent",
      subType: "General",
      message: "no such user",
      diagnosticCode: ["smtp; 550 5.1.1"],
    },
  },
});

async function headers(body: string, opts: { id?: string; ts?: number; secret?: string } = {}) {
  const id = opts.id ?? "msg_2Lh9KRb";
  const ts = opts.ts ?? TS;
  const sig = await svixSign(opts.secret ?? SECRET, id, ts, body);
  return {
    "svix-id": id,
    "svix-timestamp": String(ts),
    "svix-signature": `v1,bm90LXRoaXMtb25l v1,${sig}`,
  };
}

describe("verifySvix", () => {
  it("accepts a correctly signed event (any of several v1 signatures) and parses it", async () => {
    const r = await verifySvix(SECRET, new Headers(await headers(bounced)), bounced, NOW);
    expect(r).toMatchObject({ ok: true, svixId: "msg_2Lh9KRb", event: { type: "email.bounced" } });
    expect(r.ok && suppressionReason(r.event)).toBe("bounced");
  });

  it("rejects missing headers, wrong secret, stale or future timestamps, altered body", async () => {
    const h = await headers(bounced);
    const { "svix-signature": _s, ...noSig } = h;
    expect(await verifySvix(SECRET, noSig, bounced, NOW)).toEqual({
      ok: false,
      reason: "missing_headers",
    });
    expect(await verifySvix(SECRET, {}, bounced, NOW)).toEqual({
      ok: false,
      reason: "missing_headers",
    });
    const wrong = await headers(bounced, { secret: "whsec_b3RoZXItc2VjcmV0" });
    expect(await verifySvix(SECRET, wrong, bounced, NOW)).toEqual({
      ok: false,
      reason: "bad_signature",
    });
    expect(await verifySvix(SECRET, h, bounced, NOW + 5 * 60_000 + 1000)).toEqual({
      ok: false,
      reason: "stale_timestamp",
    });
    expect(await verifySvix(SECRET, h, bounced, NOW - 6 * 60_000)).toEqual({
      ok: false,
      reason: "stale_timestamp",
    });
    expect(await verifySvix(SECRET, h, bounced.replace("Permanent", "Transient"), NOW)).toEqual({
      ok: false,
      reason: "bad_signature",
    });
    expect(await verifySvix(SECRET, { ...h, "svix-id": "msg_other" }, bounced, NOW)).toEqual({
      ok: false,
      reason: "bad_signature",
    });
    expect(await verifySvix(SECRET, { ...h, "svix-timestamp": "soon" }, bounced, NOW)).toEqual({
      ok: false,
      reason: "bad_timestamp",
    });
    expect(await verifySvix(SECRET, { ...h, "svix-signature": "v2,abc" }, bounced, NOW)).toEqual({
      ok: false,
      reason: "bad_signature",
    });
    expect(await verifySvix("whsec_", h, bounced, NOW)).toEqual({
      ok: false,
      reason: "bad_secret",
    });
  });

  it("rejects signed but invalid events; acknowledges unknown types", async () => {
    const bad = JSON.stringify({ type: "email.bounced", created_at: "x", data });
    expect(await verifySvix(SECRET, await headers(bad), bad, NOW)).toEqual({
      ok: false,
      reason: "invalid_event",
    });
    const notJson = "{nope";
    expect(await verifySvix(SECRET, await headers(notJson), notJson, NOW)).toEqual({
      ok: false,
      reason: "malformed_body",
    });
    const other = JSON.stringify({ type: "contact.created", created_at: "x", data: {} });
    expect(await verifySvix(SECRET, await headers(other), other, NOW)).toMatchObject({
      ok: true,
      event: { type: "other", original_type: "contact.created" },
    });
  });
});

describe("suppressionReason", () => {
  const ev = (type: string, extra: object = {}) => ({
    type,
    created_at: "t",
    data: { ...data, ...extra },
  });
  it("suppresses permanent bounces and complaints only", async () => {
    const cases: [object, string | null][] = [
      [ev("email.complained"), "complained"],
      [
        ev("email.bounced", {
          bounce: { type: "Transient", subType: "MailboxFull", message: "full" },
        }),
        null,
      ],
      [ev("email.delivered"), null],
      [ev("email.delivery_delayed"), null],
      [ev("email.opened"), null],
      [ev("email.sent"), null],
      [
        ev("email.clicked", {
          click: { link: "https://x", timestamp: "t", ipAddress: "1.2.3.4", userAgent: "ua" },
        }),
        null,
      ],
    ];
    for (const [e, want] of cases) {
      const body = JSON.stringify(e);
      const r = await verifySvix(SECRET, await headers(body), body, NOW);
      if (!r.ok) throw new Error(r.reason);
      expect(suppressionReason(r.event)).toBe(want);
    }
  });
});
