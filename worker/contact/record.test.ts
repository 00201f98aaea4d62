// The Contact object's pure transitions: a step delivered, held out or settled without a send.
import { describe, expect, it } from "vitest";
import { decide, type SendRequest } from "./policy.ts";
import { CONFIRM_TRIGGER } from "../engine/index.ts";
import {
  delivered,
  freshRecord,
  optInGate,
  settled,
  touchOf,
  verifiedBy,
  withheld,
} from "./record.ts";

const H = 3_600_000;
const step = { trigger: "cart-abandoned", episode: "e1", step: 0, variant: null };
const req = (key: string, now: number): SendRequest => ({
  key,
  marketing: true,
  frequencyCap: true,
  capMs: 16 * H,
  dailyLimit: 10,
  now,
});
const origin = (at: number, group: "treated" | "holdout" = "treated") => ({
  vid: "v1",
  touch: touchOf(step, group, "sent", at),
  window: 5 * 24 * H,
});

describe("contact record transitions", () => {
  it("delivered: spends the key, starts the cap, remembers the sending visitor and keeps the touch", () => {
    const r = delivered(freshRecord("demo", "ada@example.com"), req("k1", 0), "re_1", origin(0));
    expect(r.policy.ledger.k1).toMatchObject({ outcome: "sent", messageId: "re_1" });
    expect(r.sentFrom.k1).toBe("v1");
    expect(r.touches.list).toMatchObject([{ kind: "sent", group: "treated", at: 0 }]);
    expect(decide(r.policy, req("k1", H))).toEqual({ action: "duplicate" });
    expect(decide(r.policy, req("k2", H))).toEqual({ action: "skip", reason: "capped" });
  });

  it("withheld: spends the key as a holdout skip, starts no cap, keeps the touch for lift", () => {
    const r = withheld(freshRecord("demo", "ada@example.com"), "k1", 0, origin(0, "holdout"));
    expect(r.policy.ledger.k1).toMatchObject({ outcome: "skipped", reason: "holdout" });
    expect(r.touches.list).toMatchObject([{ group: "holdout" }]);
    expect(decide(r.policy, req("k2", H))).toEqual({ action: "send" });
  });

  it("settled: spends the key with its reason", () => {
    const base = freshRecord("demo", "ada@example.com");
    const f = settled(base, "k1", 5, "failed", "http_422");
    expect(f.policy.ledger.k1).toEqual({ outcome: "failed", at: 5, reason: "http_422" });
    const s = settled(base, "k1", 5, "skipped", "suppressed");
    expect(s.policy.ledger.k1).toMatchObject({ outcome: "skipped", reason: "suppressed" });
  });
});

describe("who the shop may write to (optInGate)", () => {
  const fresh = freshRecord("demo", "ada@example.com");
  const confirmed = verifiedBy(fresh, "confirmed", 0);
  const cart = { trigger: "cart-abandoned" };
  const order = { trigger: "thank-you", exempt: true };
  const confirm = { trigger: CONFIRM_TRIGGER };

  it("double opt-in: nothing but the confirmation until the address is verified", () => {
    expect(optInGate(null, cart, "double", 0)).toBe("unconfirmed");
    expect(optInGate(fresh, order, "double", 0)).toBe("unconfirmed");
    expect(optInGate(fresh, confirm, "double", 0)).toBeNull();
    expect(optInGate(confirmed, cart, "double", 0)).toBeNull();
    expect(optInGate(confirmed, order, "double", 0)).toBeNull();
  });

  it("single opt-in: order mail (exempt from the cap) only for a verified address", () => {
    expect(optInGate(fresh, cart, "single", 0)).toBeNull();
    expect(optInGate(fresh, order, "single", 0)).toBe("unverified");
    expect(optInGate(confirmed, order, "single", 0)).toBeNull();
  });

  it("one confirmation a day per address, none once verified", () => {
    const asked = { ...fresh, confirmSentAt: 10 * H };
    expect(optInGate(asked, confirm, "double", 10 * H + 23 * H)).toBe("recently_asked");
    expect(optInGate(asked, confirm, "double", 10 * H + 24 * H)).toBeNull();
    expect(optInGate(confirmed, confirm, "double", 0)).toBe("verified");
  });

  it("keeps the first proof of an address", () => {
    const again = verifiedBy(confirmed, "click", 5);
    expect(again).toBe(confirmed);
    expect(again.verified).toEqual({ via: "confirmed", at: 0 });
  });
});
