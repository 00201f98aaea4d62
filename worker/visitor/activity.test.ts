import { describe, expect, it } from "vitest";
import type { Fact } from "../engine/facts.ts";
import type { NudgeEvent } from "../ingest/events.ts";
import {
  ACTIVITY_MAX,
  activityOf,
  appendActivity,
  eventEntry,
  factEntries,
  factEntry,
  outcomeEntry,
} from "./activity.ts";
import { reasonWords, timelinePage } from "../admin/timeline-view.ts";

const AT = Date.UTC(2026, 0, 2, 10, 0, 0);
const ref = { trigger: "cart-abandoned", episode: "ep1" };
const step = { ...ref, key: "s.cart-abandoned.ep1.0", step: 0, variant: null, holdout: false };

describe("appendActivity", () => {
  it("keeps the newest ACTIVITY_MAX entries, oldest first", () => {
    let list = appendActivity([], []);
    for (let i = 0; i < ACTIVITY_MAX + 40; i++)
      list = appendActivity(list, [{ at: i, kind: "event", detail: `e${i}` }]);
    expect(list).toHaveLength(ACTIVITY_MAX);
    expect(list[0]!.at).toBe(40);
    expect(list.at(-1)!.at).toBe(ACTIVITY_MAX + 39);
  });

  it("bounds a batch larger than the limit too", () => {
    const add = Array.from({ length: 400 }, (_, i) => ({ at: i, kind: "event" }));
    expect(appendActivity([], add)).toHaveLength(ACTIVITY_MAX);
  });

  it("reads a state without activity (stored before it existed) as none", () => {
    expect(activityOf({ profile: {} })).toEqual([]);
    expect(activityOf(null)).toEqual([]);
    expect(activityOf({ activity: "x" })).toEqual([]);
  });
});

describe("eventEntry: names no one", () => {
  const email = "ada.lovelace@example.com";
  const events: NudgeEvent[] = [
    {
      id: "1",
      name: "identify",
      at: AT,
      data: { email, first_name: "Ada", last_name: "Lovelace" },
    } as NudgeEvent,
    { id: "2", name: "form_submit", at: AT, data: { form: "news", email } } as NudgeEvent,
    { id: "3", name: "notify", at: AT, data: { product: "mug", email } },
    { id: "4", name: "contact_verified", at: AT, data: { email } },
    {
      id: "5",
      name: "page",
      at: AT,
      url: `https://shop.example/?email=${email}`,
      data: { url: `https://shop.example/?email=${email}` },
    } as NudgeEvent,
    { id: "6", name: "signup", custom: true, at: AT, data: { email, name: "Ada" } },
  ];

  it("keeps the event name and never an address, a name or a URL", () => {
    const json = JSON.stringify(events.map(eventEntry));
    expect(json).not.toContain("@");
    expect(json).not.toContain("Ada");
    expect(json).not.toContain("shop.example");
    expect(events.map(eventEntry).map((e) => e.detail)).toEqual([
      "identify",
      "form_submit",
      "notify mug",
      "contact_verified",
      "page",
      "signup",
    ]);
  });

  it("summarises a cart as item count and value, a product by its id", () => {
    const cart: NudgeEvent = {
      id: "c",
      name: "cart",
      at: AT,
      data: {
        currency: "EUR",
        items: [
          { id: "mug", name: "Mug", price: 18, quantity: 2 },
          { id: "tea", name: "Tea", price: 4.5, quantity: 1 },
        ],
      },
    };
    expect(eventEntry(cart)).toEqual({ at: AT, kind: "event", detail: "cart 3 items 40.5 EUR" });
    const product = {
      id: "p",
      name: "product",
      at: AT,
      data: { id: "mug", name: "Mug", price: 18 },
    } as NudgeEvent;
    expect(eventEntry(product).detail).toBe("product mug");
  });

  it("an open names the email's trigger and its step, 1-based", () => {
    const open: NudgeEvent = {
      id: "o",
      name: "email_open",
      at: AT,
      data: { trigger: "welcome", episode: "e9", step: 0, variant: null },
    };
    expect(eventEntry(open)).toMatchObject({ trigger: "welcome", step: 1, detail: "email_open" });
  });
});

describe("factEntry", () => {
  it("dates a fact of the engine's agenda by its own time, others by the recording time", () => {
    const due: Fact = { ...ref, type: "due", step: 0, holdout: false, at: AT - 86_400_000 };
    expect(factEntry(due, AT)?.at).toBe(AT - 86_400_000);
    expect(factEntry({ ...ref, type: "completed" }, AT)?.at).toBe(AT);
  });

  it("maps engine facts with their step 1-based and the reason", () => {
    const facts: Fact[] = [
      { ...ref, type: "entered", holdout: false, due: AT + 3_600_000 },
      { ...ref, type: "due", step: 0, holdout: false },
      { ...ref, type: "held", step: 0, reason: "no_email" },
      { ...ref, type: "deferred", step: 1, until: AT + 7_200_000 },
      { ...ref, type: "cancelled", step: null, reason: "event:purchase" },
      { ...step, type: "skipped", reason: "coupon_pool_empty" },
      { ...step, type: "duplicate" },
    ];
    expect(factEntries(facts, AT)).toEqual([
      { at: AT, kind: "entered", ...ref, detail: "first step due 2026-01-02T11:00:00.000Z" },
      { at: AT, kind: "due", ...ref, step: 1 },
      { at: AT, kind: "held", ...ref, step: 1, reason: "no_email" },
      {
        at: AT,
        kind: "deferred",
        ...ref,
        step: 2,
        reason: "quiet_hours",
        detail: "until 2026-01-02T12:00:00.000Z",
      },
      { at: AT, kind: "cancelled", ...ref, reason: "event:purchase" },
      { at: AT, kind: "skipped", ...ref, step: 1, reason: "coupon_pool_empty" },
    ]);
  });

  it("labels a held-out episode and its due steps as held out", () => {
    const facts: Fact[] = [
      { ...ref, type: "entered", holdout: true, due: AT },
      { ...ref, type: "due", step: 0, holdout: true },
    ];
    const entries = factEntries(facts, AT);
    expect(entries).toEqual([
      { at: AT, kind: "entered", ...ref, reason: "holdout" },
      { at: AT, kind: "due", ...ref, step: 1, reason: "holdout" },
    ]);
    // The timeline page and `nudge timeline` say it in words.
    expect(reasonWords("holdout")).toBe("held out (control group): not sent, counted for lift");
    const page = timelinePage({
      site: "s",
      q: "v",
      nonce: "n",
      timeline: {
        site: "s",
        of: "visitor",
        id: "v",
        contact: null,
        visitors: ["v"],
        moreVisitors: 0,
        entries,
      },
    });
    expect(page).toContain("held out (control group): not sent, counted for lift");
  });

  it("maps what the runner reported", () => {
    expect(factEntry({ ...step, type: "sent", channel: "email", id: "re_1" }, AT)).toMatchObject({
      kind: "sent",
      step: 1,
      detail: "id re_1",
    });
    expect(
      factEntry(
        { ...step, type: "failed", channel: "email", reason: "http_422", gaveUp: true },
        AT,
      ),
    ).toMatchObject({ kind: "failed", reason: "http_422", detail: "email, gave up" });
    expect(
      factEntry({ ...step, type: "retry", channel: "email", reason: "http_500", attempt: 0 }, AT),
    ).toMatchObject({ kind: "retry", reason: "http_500", detail: "attempt 1" });
    expect(factEntry({ ...step, type: "withheld", channel: "email" }, AT)).toMatchObject({
      kind: "withheld",
      reason: "holdout",
    });
  });
});

describe("outcomeEntry: the Contact object's answer to a send", () => {
  const r = { trigger: "welcome", episode: "e1", step: 0 };
  it("sent with its provider id, skipped with the reason, holdout as withheld, failed", () => {
    expect(outcomeEntry(r, { status: "sent", id: "re_9" }, AT)).toEqual({
      at: AT,
      kind: "sent",
      trigger: "welcome",
      episode: "e1",
      step: 1,
      detail: "id re_9",
    });
    expect(outcomeEntry(r, { status: "skipped", reason: "suppressed" }, AT)).toMatchObject({
      kind: "skipped",
      reason: "suppressed",
    });
    expect(outcomeEntry(r, { status: "skipped", reason: "holdout" }, AT)).toMatchObject({
      kind: "withheld",
      reason: "holdout",
    });
    expect(outcomeEntry(r, { status: "failed", reason: "http_422" }, AT)).toMatchObject({
      kind: "failed",
      reason: "http_422",
    });
  });

  it("nothing for a duplicate, a retry or a wait (the runner's retry fact says those)", () => {
    expect(outcomeEntry(r, { status: "duplicate" }, AT)).toBeNull();
    expect(outcomeEntry(r, { status: "retry", afterMs: 1, reason: "http_500" }, AT)).toBeNull();
    expect(outcomeEntry(r, { status: "wait", afterMs: 1, reason: "paced" }, AT)).toBeNull();
  });
});
