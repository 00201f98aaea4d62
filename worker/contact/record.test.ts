// The Contact object's pure transitions: a step delivered, held out or settled without a send.
import { describe, expect, it } from "vitest";
import { decide, type SendRequest } from "./policy.ts";
import { delivered, freshRecord, settled, touchOf, withheld } from "./record.ts";

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
