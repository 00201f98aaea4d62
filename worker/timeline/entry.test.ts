// Merging a contact's entries with its visitors' activity: one line per send, the held-out
// reason on due steps, ISO times in the API's JSON.
import { describe, expect, it } from "vitest";
import { mergeTimeline, timelineJson, type TimelineEntry } from "./entry.ts";

const AT = Date.UTC(2026, 11, 3, 9, 0);
const send = { trigger: "cart", episode: "e1", step: 1 };

describe("mergeTimeline", () => {
  it("shows a send once: the ledger's line", () => {
    const contact: TimelineEntry[] = [{ at: AT + 5, kind: "sent", ...send, detail: "id m1" }];
    const visitor: TimelineEntry[] = [
      { at: AT, kind: "due", ...send, vid: "v1" },
      { at: AT + 7, kind: "sent", ...send, detail: "id m1", vid: "v1" },
      // another step's answer and another outcome stay
      { at: AT + 9, kind: "sent", ...send, step: 2, detail: "id m2", vid: "v1" },
    ];
    const merged = mergeTimeline(contact, visitor);
    expect(merged.map((e) => [e.kind, e.step])).toEqual([
      ["due", 1],
      ["sent", 1],
      ["sent", 2],
    ]);
    expect(merged[1]).toEqual({ at: AT + 5, kind: "sent", ...send, detail: "id m1" });
  });

  it("shows a held-out step once and says it was held out", () => {
    const contact: TimelineEntry[] = [{ at: AT + 1, kind: "withheld", ...send, reason: "holdout" }];
    const visitor: TimelineEntry[] = [
      { at: AT, kind: "due", ...send, detail: "holdout", vid: "v1" },
      { at: AT + 2, kind: "withheld", ...send, reason: "holdout", vid: "v1" },
    ];
    const merged = mergeTimeline(contact, visitor);
    expect(merged).toHaveLength(2);
    expect(merged[0]).toEqual({ at: AT, kind: "due", ...send, reason: "holdout", vid: "v1" });
  });
});

describe("timelineJson", () => {
  it("writes each time as ISO 8601", () => {
    const t = timelineJson({
      site: "s",
      of: "visitor",
      id: "v",
      contact: null,
      visitors: ["v"],
      moreVisitors: 0,
      entries: [{ at: AT, kind: "event" }],
    });
    expect(t.entries[0]?.at).toBe("2026-12-03T09:00:00.000Z");
  });
});
