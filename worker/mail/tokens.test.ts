// Signed link tokens: round trips, tampering, forging, expiry and kind confusion.
import { describe, expect, it } from "vitest";
import { fromBase64Url, toBase64Url, utf8 } from "../lib/crypto.ts";
import { signToken, verifyToken, type ClickPayload } from "./tokens.ts";

const SECRET = "test-secret-0123456789";
const NOW = Date.UTC(2026, 0, 1);
const click: ClickPayload = {
  kind: "click",
  site: "demo",
  contact: "c_9f2b",
  trigger: "cart-abandoned",
  episode: "ep1",
  step: 0,
  variant: null,
  url: "https://shop.example.com/cart?x=1&y=ü",
};

describe("tokens", () => {
  it("round-trips every kind and stays compact and URL-safe", async () => {
    const payloads = [
      click,
      {
        kind: "open",
        site: "demo",
        contact: "c_9f2b",
        trigger: "t",
        episode: "e",
        step: 1,
        variant: 2,
      },
      { kind: "unsubscribe", site: "demo", contact: "c0ffee" },
      { kind: "identity", site: "demo", contact: "c0ffee" },
    ] as const;
    for (const p of payloads) {
      const tok = await signToken(SECRET, p, { now: NOW });
      expect(tok).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
      const r = await verifyToken(SECRET, tok, NOW + 1000, p.kind);
      expect(r).toMatchObject({ ok: true, payload: p });
    }
    const unsub = await signToken(SECRET, payloads[2], { now: NOW });
    expect(unsub.length).toBeLessThan(90);
  });

  it("rejects a tampered payload or signature", async () => {
    const tok = await signToken(SECRET, click, { now: NOW });
    const [body = "", sig = ""] = tok.split(".");
    const json = new TextDecoder().decode(fromBase64Url(body) ?? new Uint8Array());
    const evil = toBase64Url(utf8(json.replace("shop.example.com", "evil.example.net")));
    expect(await verifyToken(SECRET, `${evil}.${sig}`, NOW, "click")).toEqual({
      ok: false,
      reason: "bad_signature",
    });
    const flipped = sig.slice(0, -2) + (sig.endsWith("AA") ? "AB" : "AA");
    expect(await verifyToken(SECRET, `${body}.${flipped}`, NOW, "click")).toEqual({
      ok: false,
      reason: "bad_signature",
    });
  });

  it("rejects a token forged with another secret", async () => {
    const forged = await signToken("attacker-secret", click, { now: NOW });
    expect(await verifyToken(SECRET, forged, NOW, "click")).toEqual({
      ok: false,
      reason: "bad_signature",
    });
  });

  it("rejects malformed input without throwing", async () => {
    for (const bad of ["", ".", "abc", "a.b.c", "!!!.???", "eyJ9.AAAA", "x".repeat(9000)]) {
      expect((await verifyToken(SECRET, bad, NOW, "click")).ok).toBe(false);
    }
    expect(await verifyToken(SECRET, "abc", NOW, "click")).toEqual({
      ok: false,
      reason: "malformed",
    });
  });

  it("expires identity tokens after 7 days by default; links never expire by default", async () => {
    const id = await signToken(
      SECRET,
      { kind: "identity", site: "demo", contact: "c0ffee" },
      { now: NOW },
    );
    expect((await verifyToken(SECRET, id, NOW + 6.9 * 86400e3, "identity")).ok).toBe(true);
    expect(await verifyToken(SECRET, id, NOW + 7 * 86400e3 + 1000, "identity")).toEqual({
      ok: false,
      reason: "expired",
    });
    const c = await signToken(SECRET, click, { now: NOW });
    expect((await verifyToken(SECRET, c, NOW + 3650 * 86400e3, "click")).ok).toBe(true);
    const short = await signToken(SECRET, click, { now: NOW, ttlMs: 60_000 });
    expect(await verifyToken(SECRET, short, NOW + 61_000, "click")).toEqual({
      ok: false,
      reason: "expired",
    });
  });

  it("never accepts a token of another kind (unsubscribe ≠ identity)", async () => {
    const unsub = await signToken(
      SECRET,
      { kind: "unsubscribe", site: "demo", contact: "c0ffee" },
      { now: NOW },
    );
    expect(await verifyToken(SECRET, unsub, NOW, "identity")).toEqual({
      ok: false,
      reason: "wrong_kind",
    });
  });

  it("an unsubscribe token carries the kind of email it came in; one without a kind still works", async () => {
    const base = { kind: "unsubscribe", site: "demo", contact: "c0ffee" } as const;
    const withTopic = await signToken(SECRET, { ...base, topic: "reminders" }, { now: NOW });
    expect(await verifyToken(SECRET, withTopic, NOW, "unsubscribe")).toMatchObject({
      ok: true,
      payload: { ...base, topic: "reminders" },
    });
    // Minted before topics existed: the same bytes as ever, and no kind (it means everything).
    const old = await signToken(SECRET, base, { now: NOW });
    expect(fromBase64Url(old.split(".")[0]!)).toEqual(
      utf8(JSON.stringify(["u", 0, "demo", "c0ffee"])),
    );
    const r = await verifyToken(SECRET, old, NOW, "unsubscribe");
    expect(r.ok && "topic" in r.payload).toBe(false);
    // The kind is signed: swapping it breaks the signature.
    const [body = "", sig = ""] = withTopic.split(".");
    const json = new TextDecoder().decode(fromBase64Url(body) ?? new Uint8Array());
    const swapped = toBase64Url(utf8(json.replace("reminders", "welcome")));
    expect(await verifyToken(SECRET, `${swapped}.${sig}`, NOW, "unsubscribe")).toEqual({
      ok: false,
      reason: "bad_signature",
    });
  });

  it("refuses to sign with an empty secret", async () => {
    await expect(signToken("", click, { now: NOW })).rejects.toThrow(/NUDGE_SECRET/);
  });
});
