// Attribution: last click in the window, else last open; treated mail only; episodes convert
// once each, in both groups, for the lift.
import { describe, expect, it } from "vitest";
import { addTouch, attribute, emptyTouches, type Touch, type Touches } from "./attribution.ts";

const H = 3_600_000;
const D = 24 * H;
const W = 5 * D;

function touch(over: Partial<Touch>): Touch {
  return {
    trigger: "cart-abandoned",
    episode: "e1",
    step: 0,
    variant: null,
    group: "treated",
    kind: "sent",
    at: 0,
    ...over,
  };
}

function build(...ts: Touch[]): Touches {
  return ts.reduce((acc, t) => addTouch(acc, t, W), emptyTouches());
}

describe("last-touch credit", () => {
  it("credits the last click in the window, even when an open came later", () => {
    const ts = build(
      touch({ kind: "sent", at: 0 }),
      touch({ kind: "click", at: 1 * H }),
      touch({ trigger: "browse-abandoned", episode: "e2", kind: "sent", at: 2 * H }),
      touch({ trigger: "browse-abandoned", episode: "e2", kind: "click", at: 3 * H }),
      touch({ trigger: "cart-abandoned", kind: "open", at: 4 * H }),
    );
    const a = attribute(ts, 5 * H, W);
    expect(a.credit).toMatchObject({ trigger: "browse-abandoned", kind: "click" });
  });

  it("falls back to the last open when nothing was clicked", () => {
    const ts = build(
      touch({ kind: "sent", at: 0 }),
      touch({ kind: "open", at: H }),
      touch({ step: 1, kind: "open", at: 2 * H }),
    );
    expect(attribute(ts, 3 * H, W).credit).toMatchObject({ step: 1, kind: "open" });
  });

  it("gives no credit for a send alone, outside the window, or after the purchase", () => {
    expect(attribute(build(touch({ kind: "sent", at: 0 })), H, W).credit).toBeNull();
    const old = build(touch({ kind: "click", at: 0 }));
    expect(attribute(old, W + 1, W).credit).toBeNull();
    expect(attribute(old, W, W).credit).not.toBeNull(); // the window's edge is inside
    const later = build(touch({ kind: "click", at: 2 * H }));
    expect(attribute(later, H, W).credit).toBeNull();
  });

  it("never credits holdout mail (it was never seen)", () => {
    const ts = build(touch({ group: "holdout", kind: "click", at: 0 }));
    expect(attribute(ts, H, W).credit).toBeNull();
  });
});

describe("episode conversions for lift", () => {
  it("counts each episode once, in its own group", () => {
    const ts = build(
      touch({ episode: "t1", kind: "sent", at: 0 }),
      touch({ episode: "t1", step: 1, kind: "sent", at: D }),
      touch({ episode: "h1", group: "holdout", kind: "sent", at: 0 }),
    );
    const first = attribute(ts, 2 * D, W);
    expect(first.episodes.map((e) => [e.episode, e.group]).sort()).toEqual([
      ["h1", "holdout"],
      ["t1", "treated"],
    ]);
    // A second purchase in the window credits nothing new for the same episodes.
    const second = attribute(first.touches, 3 * D, W);
    expect(second.episodes).toEqual([]);
  });

  it("ignores episodes whose mail is older than the window", () => {
    const ts = build(touch({ episode: "old", kind: "sent", at: 0 }));
    expect(attribute(ts, W + 1, W).episodes).toEqual([]);
  });

  it("keeps the touch list bounded and drops what fell out of the window", () => {
    let ts = emptyTouches();
    for (let i = 0; i < 500; i++) ts = addTouch(ts, touch({ episode: `e${i}`, at: i * H }), W);
    expect(ts.list.length).toBeLessThanOrEqual(200);
    expect(ts.list.every((t) => 499 * H - t.at <= W)).toBe(true);
  });
});
