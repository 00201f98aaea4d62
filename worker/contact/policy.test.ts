// Per-contact policy: ledger idempotency, suppression (invariant 3 in docs/architecture.md) and the
// cross-trigger frequency cap, with unit cases and a fast-check property over random request
// streams.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decide,
  emptyContact,
  optBackIn,
  optOut,
  pruneLedger,
  recordFailed,
  recordSent,
  recordSkipped,
  resubscribe,
  suppress,
} from "./policy.ts";
import type { ContactState, SendRequest } from "./policy.ts";

const H = 3_600_000;
const CAP = 16 * H;
const req = (key: string, now: number, over: Partial<SendRequest> = {}): SendRequest => ({
  key,
  marketing: true,
  frequencyCap: true,
  capMs: CAP,
  dailyLimit: 10,
  now,
  ...over,
});

describe("topics a person stopped", () => {
  const reminder = (key: string, over: Partial<SendRequest> = {}) =>
    req(key, 0, { topic: "reminders", ...over });

  it("skip marketing mail of that topic only", () => {
    const s = optOut(emptyContact(), "reminders", 0);
    expect(decide(s, reminder("a"))).toEqual({ action: "skip", reason: "unsubscribed_topic" });
    expect(decide(s, reminder("b", { topic: "welcome" }))).toEqual({ action: "send" });
    expect(decide(s, reminder("c", { topic: null }))).toEqual({ action: "send" });
    expect(decide(emptyContact(), reminder("d"))).toEqual({ action: "send" });
  });

  it("never stop transactional mail, even of the same topic", () => {
    const s = optOut(emptyContact(), "thank-you", 0);
    const order = { topic: "thank-you", marketing: false, frequencyCap: false };
    expect(decide(s, reminder("a", order))).toEqual({ action: "send" });
    // Exempt from the cap but marketing (a welcome): the person asked, it stops.
    expect(decide(s, reminder("b", { topic: "thank-you", frequencyCap: false }))).toEqual({
      action: "skip",
      reason: "unsubscribed_topic",
    });
  });

  it("come back on request, one topic at a time; an unsubscribe from everything still wins", () => {
    let s = optOut(optOut(emptyContact(), "reminders", 1), "win-back", 2);
    expect(optOut(s, "reminders", 9)).toBe(s); // the first time is kept
    s = optBackIn(s, "reminders");
    expect(decide(s, reminder("a"))).toEqual({ action: "send" });
    expect(decide(s, reminder("b", { topic: "win-back" }))).toEqual({
      action: "skip",
      reason: "unsubscribed_topic",
    });
    expect(optBackIn(s, "reminders")).toBe(s);
    const all = suppress(s, "unsubscribed", 3);
    expect(decide(all, reminder("c"))).toEqual({ action: "skip", reason: "suppressed" });
    // Lifting the unsubscribe from everything leaves the topic stopped on its own.
    expect(decide(resubscribe(all), reminder("d", { topic: "win-back" }))).toEqual({
      action: "skip",
      reason: "unsubscribed_topic",
    });
  });

  it("is bounded: the oldest topic goes first past 100", () => {
    let s = emptyContact();
    for (let i = 0; i < 120; i++) s = optOut(s, `t${i}`, i);
    expect(Object.keys(s.optedOut ?? {})).toHaveLength(100);
    expect(decide(s, reminder("a", { topic: "t119" })).action).toBe("skip");
    expect(decide(s, reminder("b", { topic: "t0" })).action).toBe("send");
  });
});

describe("decide", () => {
  it("refuses a key it has recorded, whatever the outcome", () => {
    let s = emptyContact();
    expect(decide(s, req("k1", 0))).toEqual({ action: "send" });
    s = recordSent(s, req("k1", 0), "msg_1");
    expect(decide(s, req("k1", 1))).toEqual({ action: "duplicate" });
    expect(decide(recordFailed(s, "k2", 0, "http_422"), req("k2", 1))).toEqual({
      action: "duplicate",
    });
    expect(decide(recordSkipped(s, "k3", 0, "capped"), req("k3", CAP * 2))).toEqual({
      action: "duplicate",
    });
  });
  it("caps capped marketing mail to one per window, across triggers", () => {
    let s = recordSent(emptyContact(), req("a", 0));
    expect(decide(s, req("b", CAP - 1))).toEqual({ action: "skip", reason: "capped" });
    expect(decide(s, req("b", CAP))).toEqual({ action: "send" });
    expect(decide(s, req("c", 1, { frequencyCap: false }))).toEqual({ action: "send" });
    expect(decide(s, req("d", 1, { marketing: false }))).toEqual({ action: "send" });
    expect(decide(s, req("e", 1, { capMs: null }))).toEqual({ action: "send" });
    s = recordSent(s, req("c", 1, { frequencyCap: false }));
    expect(s.recentMarketing).toEqual([0]); // exempt mail does not restart the window
  });
  it("no address gets more than dailyLimit emails in 24 h, of any kind, cap or not", () => {
    let s = emptyContact();
    const free = { frequencyCap: false, dailyLimit: 3 };
    for (let i = 0; i < 3; i++) {
      expect(decide(s, req(`k${i}`, i * H, free))).toEqual({ action: "send" });
      s = recordSent(s, req(`k${i}`, i * H, free));
    }
    expect(decide(s, req("k3", 3 * H, free))).toEqual({ action: "skip", reason: "daily_limit" });
    const order = { ...free, marketing: false };
    expect(decide(s, req("k3", 3 * H, order))).toEqual({ action: "skip", reason: "daily_limit" });
    // The oldest leaves the 24 h window: one more may go.
    expect(decide(s, req("k3", 24 * H, free))).toEqual({ action: "send" });
    expect(decide(s, req("k3", 24 * H - 1, free))).toMatchObject({ action: "skip" });
    // Skips and failures do not count; records stored before the ceiling existed start at 0.
    const { recentSends: _gone, ...old } = recordSkipped(s, "k9", 0, "capped");
    expect(decide(old, req("k3", 3 * H, free))).toEqual({ action: "send" });
  });

  it("an unsubscribed contact gets no marketing mail; bounces and complaints stop all mail", () => {
    const unsub = suppress(emptyContact(), "unsubscribed", 5);
    expect(decide(unsub, req("a", 5))).toEqual({ action: "skip", reason: "suppressed" });
    expect(decide(unsub, req("b", 5, { marketing: false }))).toEqual({ action: "send" });
    const bounced = suppress(unsub, "bounced", 6);
    expect(bounced.suppressed).toEqual({ reason: "bounced", at: 6 });
    expect(decide(bounced, req("c", 6, { marketing: false }))).toEqual({
      action: "skip",
      reason: "suppressed",
    });
    expect(suppress(bounced, "unsubscribed", 7)).toBe(bounced);
  });
  it("prunes old ledger entries", () => {
    const s = recordSent(recordSent(emptyContact(), req("old", 0)), req("new", 100 * H));
    expect(Object.keys(pruneLedger(s, 100 * H, 10 * H).ledger)).toEqual(["new"]);
  });
});

describe("frequency cap and ledger (fast-check)", () => {
  const stream = fc.array(
    fc.record({
      key: fc.constantFrom("k1", "k2", "k3", "k4", "k5", "k6"),
      dt: fc.integer({ min: 0, max: 20 * H }),
      marketing: fc.boolean(),
      frequencyCap: fc.boolean(),
      suppress: fc.constantFrom(null, null, null, null, "unsubscribed" as const),
    }),
    { maxLength: 60 },
  );
  it("never sends a key twice, two capped marketing mails within the cap, or marketing after unsubscribe", () => {
    fc.assert(
      fc.property(stream, (ops) => {
        let s: ContactState = emptyContact();
        let now = 0;
        const sent: SendRequest[] = [];
        let unsubAt: number | null = null;
        for (const o of ops) {
          now += o.dt;
          if (o.suppress) {
            s = suppress(s, o.suppress, now);
            unsubAt ??= sent.length;
          }
          const r = req(o.key, now, { marketing: o.marketing, frequencyCap: o.frequencyCap });
          const d = decide(s, r);
          if (d.action === "send") {
            s = recordSent(s, r);
            sent.push(r);
          } else if (d.action === "skip") s = recordSkipped(s, r.key, now, d.reason);
        }
        const keys = sent.map((r) => r.key);
        expect(new Set(keys).size).toBe(keys.length);
        const capped = sent.filter((r) => r.marketing && r.frequencyCap).map((r) => r.now);
        for (let i = 1; i < capped.length; i++)
          expect((capped[i] ?? 0) - (capped[i - 1] ?? 0)).toBeGreaterThanOrEqual(CAP);
        if (unsubAt !== null) expect(sent.slice(unsubAt).filter((r) => r.marketing)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});
