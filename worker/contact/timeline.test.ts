import { describe, expect, it } from "vitest";
import { optOut, suppress } from "./policy.ts";
import { delivered, freshRecord, settled, touchOf, verifiedBy, withheld } from "./record.ts";
import { contactTimeline } from "./timeline.ts";
import { addTouch } from "../stats/attribution.ts";

const H = 3_600_000;
const ref = { trigger: "cart-abandoned", episode: "e1", step: 0, variant: null };
const key = (step: number) => `shop.cart-abandoned.e1.${step}`;
const origin = (at: number) => ({
  vid: "v1",
  touch: touchOf(ref, "treated", "sent", at),
  window: 5 * 24 * H,
});
const req = (k: string, now: number) => ({
  key: k,
  marketing: true,
  frequencyCap: true,
  capMs: null,
  dailyLimit: 10,
  now,
});

describe("contactTimeline", () => {
  it("lists the ledger, opens and clicks, suppression and verification, oldest first", () => {
    let r = freshRecord("shop", "ada@example.com");
    r = delivered(r, req(key(0), 1 * H), "re_1", origin(1 * H));
    r = { ...r, touches: addTouch(r.touches, touchOf(ref, "treated", "open", 2 * H), 5 * 24 * H) };
    r = { ...r, touches: addTouch(r.touches, touchOf(ref, "treated", "click", 3 * H), 5 * 24 * H) };
    r = verifiedBy(r, "click", 3 * H);
    r = settled(r, key(1), 4 * H, "skipped", "capped");
    r = withheld(r, "shop.welcome.e2.0", 5 * H, origin(5 * H));
    r = { ...r, policy: suppress(r.policy, "unsubscribed", 6 * H) };
    const t = contactTimeline(r);
    expect(t.map((e) => [e.kind, e.step ?? null, e.reason ?? null])).toEqual([
      ["sent", 1, null],
      ["opened", 1, null],
      ["clicked", 1, null],
      ["verified", null, null],
      ["skipped", 2, "capped"],
      ["withheld", 1, "holdout"],
      ["unsubscribed", null, null],
    ]);
    expect(t[0]).toMatchObject({ trigger: "cart-abandoned", episode: "e1", detail: "id re_1" });
    expect(t[5]).toMatchObject({ trigger: "welcome", episode: "e2" });
    expect(JSON.stringify(t)).not.toContain("@");
  });

  it("says which kind of email the person stopped, and what it skipped", () => {
    let r = freshRecord("shop", "ada@example.com");
    r = { ...r, policy: optOut(r.policy, "reminders", 1 * H) };
    r = settled(r, key(0), 2 * H, "skipped", "unsubscribed_topic", "reminders");
    expect(contactTimeline(r)).toEqual([
      { at: 1 * H, kind: "opted_out", detail: "opted out of reminders emails" },
      {
        at: 2 * H,
        kind: "skipped",
        trigger: "cart-abandoned",
        episode: "e1",
        step: 1,
        reason: "unsubscribed_topic",
        detail: "opted out of reminders emails",
      },
    ]);
  });

  it("keeps a key it cannot read as its detail", () => {
    const r = settled(freshRecord("shop", "a@b.co"), "odd", 1, "failed", "http_422");
    expect(contactTimeline(r)).toEqual([
      { at: 1, kind: "failed", detail: "odd", reason: "http_422" },
    ]);
  });
});
