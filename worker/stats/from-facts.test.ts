// The two projections of domain events: each fact's log line (the documented `msg` names) and
// its measurement events. A renamed log line cannot drop a metric: stats never read log lines.
import { describe, expect, it } from "vitest";
import { logLineOf, type Fact, type StepRef } from "../engine/facts.ts";
import { statsOfFacts } from "./from-facts.ts";

const ep = { trigger: "cart-abandoned", episode: "e1" };
const step: StepRef = {
  ...ep,
  key: "demo.cart-abandoned.e1.0",
  step: 0,
  variant: 1,
  holdout: false,
};

const cases: [Fact, string, Record<string, unknown> | null][] = [
  [
    { type: "entered", ...ep, holdout: true, due: 5 },
    "episode.started",
    { metric: "entered", group: "holdout", step: null },
  ],
  [{ type: "due", ...ep, step: 0, holdout: false }, "step.due", { metric: "due", step: 0 }],
  [
    { type: "cancelled", ...ep, step: 1, reason: "cancelOn:purchase" },
    "episode.cancelled",
    { metric: "cancelled", reason: "cancelOn:purchase" },
  ],
  [
    { type: "skipped", ...step, reason: "no_email" },
    "send.skipped",
    { metric: "skipped", reason: "no_email", variant: 1, unique: `${step.key}:skipped` },
  ],
  [
    { type: "sent", ...step, channel: "email", id: "re_1" },
    "send.ok",
    { metric: "sent", group: "treated", unique: step.key },
  ],
  [
    { type: "withheld", ...step, holdout: true, channel: "email" },
    "send.skipped",
    { metric: "sent", group: "holdout", unique: step.key },
  ],
  [
    { type: "failed", ...step, channel: "email", reason: "http_500", gaveUp: true },
    "send.failed",
    { metric: "failed", reason: "gave_up:http_500", unique: `${step.key}:failed` },
  ],
  [
    { type: "sent", ...step, channel: "webhook", id: null },
    "webhook.ok",
    { metric: "sent", unique: `${step.key}:webhook` },
  ],
  [
    { type: "failed", ...step, channel: "webhook", reason: "http_404", gaveUp: false },
    "webhook.failed",
    { metric: "failed", reason: "http_404" },
  ],
  [{ type: "withheld", ...step, holdout: true, channel: "webhook" }, "send.skipped", null],
  [{ type: "retry", ...step, channel: "email", reason: "paced", attempt: 2 }, "send.retry", null],
  [{ type: "duplicate", ...step }, "send.duplicate", null],
  [{ type: "held", ...ep, step: 0, reason: "no_email" }, "step.held", null],
  [{ type: "held", ...ep, step: 0, reason: "unconfirmed" }, "step.held", null],
  [{ type: "restarted", ...ep, step: 0 }, "episode.restarted", null],
  [{ type: "deferred", ...ep, step: 0, until: 9 }, "step.deferred", null],
  [{ type: "completed", ...ep }, "episode.completed", null],
  [{ type: "agenda_overflow", until: 9 }, "engine.agenda_overflow", null],
  [
    { type: "skipped", ...step, reason: "no_email", engine: true },
    "send.skipped",
    { metric: "skipped", reason: "no_email", variant: 1 },
  ],
];

describe("fact projections", () => {
  it.each(cases)("%o → %s", (fact, msg, stat) => {
    expect(logLineOf(fact).msg).toBe(msg);
    const stats = statsOfFacts("demo", [fact], 1_000, "c0ffee");
    if (stat === null) expect(stats).toEqual([]);
    else expect(stats).toEqual([expect.objectContaining({ site: "demo", at: 1_000, ...stat })]);
  });

  it("counts what the engine decides once without a dedupe key; every send outcome with one", () => {
    for (const [fact, , stat] of cases) {
      if (stat === null) continue;
      const [s] = statsOfFacts("demo", [fact], 1_000);
      const once =
        ["entered", "due", "cancelled"].includes(fact.type) ||
        (fact.type === "skipped" && fact.engine === true);
      expect(s?.unique === undefined, JSON.stringify(fact)).toBe(once);
    }
  });

  it("logs the reasons the log contract names", () => {
    expect(logLineOf(cases[6]![0]).fields.reason).toBe("gave_up:http_500");
    expect(logLineOf(cases[5]![0]).fields.reason).toBe("holdout");
    expect(logLineOf(cases[12]![0])).toMatchObject({
      msg: "step.held",
      fields: { reason: "no_email" },
    });
    expect(logLineOf(cases[10]![0])).toMatchObject({ level: "warn", fields: { attempt: 2 } });
  });

  it("logs steps counted from 1 while stats keep the stored index", () => {
    for (const [fact] of cases) {
      if (!("step" in fact) || fact.step === null) continue;
      expect(logLineOf(fact).fields.step, JSON.stringify(fact)).toBe(fact.step + 1);
      for (const s of statsOfFacts("demo", [fact], 1_000)) expect(s.step).toBe(fact.step);
    }
    const ep = { trigger: "t", episode: "e" };
    expect(logLineOf({ type: "cancelled", ...ep, step: null, reason: "x" }).fields.step).toBeNull();
  });

  it("counts a confirmation email's request as its episode and its due step", () => {
    const confirm = { ...step, key: "demo._confirm.v-1.0", trigger: "_confirm", episode: "v-1" };
    const metrics = (f: Fact) => statsOfFacts("demo", [f], 1_000).map((s) => s.metric);
    expect(metrics({ type: "sent", ...confirm, channel: "email", id: "m" })).toEqual([
      "entered",
      "due",
      "sent",
    ]);
    expect(metrics({ type: "skipped", ...confirm, reason: "verified" })).toEqual([
      "entered",
      "due",
      "skipped",
    ]);
  });

  it("writes instants as ISO 8601, like `at`", () => {
    const at = Date.UTC(2026, 11, 3, 9, 30);
    const ep = { trigger: "t", episode: "e" };
    expect(logLineOf({ type: "entered", ...ep, holdout: false, due: at }).fields.due).toBe(
      "2026-12-03T09:30:00.000Z",
    );
    expect(logLineOf({ type: "deferred", ...ep, step: 0, until: at }).fields.until).toBe(
      "2026-12-03T09:30:00.000Z",
    );
  });
});
