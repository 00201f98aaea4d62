// The live retry path of the Visitor object (runner.ts) with a fake host: what happens to an
// outbox row on each outcome, the production attempt limit and backoff, and the facts recorded.
import { describe, expect, it } from "vitest";
import type { DeliverOutcome } from "../contact/protocol.ts";
import type { Effect, SendEffect, WebhookEffect } from "../engine/index.ts";
import { backoff, RETRY, runEffect, type RunnerHost, type WebhookOutcome } from "./runner.ts";

const ref = {
  key: "demo.cart-abandoned.ep1.0",
  trigger: "cart-abandoned",
  episode: "ep1",
  step: 0,
  due: 0,
  variant: null,
  holdout: false,
};
const send: SendEffect = {
  type: "send",
  ...ref,
  template: "cart-abandoned",
  subject: "s",
  frequencyCap: true,
  marketing: true,
  email: "ada@example.com",
  context: {},
};
const hook: WebhookEffect = { type: "webhook", ...ref, url: "https://h.example/x", payload: {} };

class FakeHost implements RunnerHost {
  calls = 0;
  constructor(
    private readonly deliverWith: () => DeliverOutcome | Promise<DeliverOutcome> = () => ({
      status: "sent",
      id: "re_1",
    }),
    private readonly webhookWith: () => WebhookOutcome | Promise<WebhookOutcome> = () => ({
      ok: true,
    }),
  ) {}
  async deliver() {
    this.calls++;
    return this.deliverWith();
  }
  async webhook() {
    this.calls++;
    return this.webhookWith();
  }
}

const half = () => 0.5;
const run = (host: RunnerHost, e: Effect, attempt = 0) => runEffect(host, e, attempt, 1_000, half);

describe("backoff", () => {
  it("is full-jitter exponential and capped", () => {
    const p = { maxAttempts: 12, baseMs: 100, capMs: 5_000 };
    expect(backoff(0, () => 0.999, p)).toBe(99);
    expect(backoff(3, half, p)).toBe(400);
    expect(backoff(50, () => 0.999, p)).toBe(4995);
    expect(backoff(2, () => 0, p)).toBe(0);
    expect(backoff(-1, half, p)).toBe(50);
  });
});

describe("runEffect: sends", () => {
  it("finishes the row on every final answer of the Contact object, recording nothing itself", async () => {
    for (const out of [
      { status: "sent", id: "re_1" },
      { status: "duplicate" },
      { status: "skipped", reason: "capped" },
      { status: "failed", reason: "http_422_validation_error" },
    ] as DeliverOutcome[]) {
      expect(await run(new FakeHost(() => out), send)).toEqual({ done: true, facts: [] });
    }
  });

  it("retries after the larger of the advised wait and the backoff, and says so", async () => {
    const host = new FakeHost(() => ({ status: "retry", afterMs: 30_000, reason: "http_429" }));
    expect(await run(host, send, 2)).toEqual({
      done: false,
      nextAt: 31_000,
      reason: "http_429",
      attempted: true,
      facts: [{ type: "retry", ...stepRef(), channel: "email", reason: "http_429", attempt: 2 }],
    });
    const soon = new FakeHost(() => ({ status: "retry", afterMs: 0, reason: "paced" }));
    // attempt 3 with the production policy: half of 1 s · 2³.
    expect(await run(soon, send, 3)).toMatchObject({ done: false, nextAt: 1_000 + 4_000 });
  });

  it("waits for a provider slot without using up an attempt, however long the line", async () => {
    const host = new FakeHost(() => ({ status: "wait", afterMs: 2_500, reason: "paced" }));
    for (const attempt of [0, RETRY.maxAttempts - 1, RETRY.maxAttempts + 50]) {
      expect(await run(host, send, attempt)).toEqual({
        done: false,
        nextAt: 3_500,
        reason: "paced",
        attempted: false,
        facts: [{ type: "retry", ...stepRef(), channel: "email", reason: "paced", attempt }],
      });
    }
  });

  it("retries when the Contact object cannot be reached", async () => {
    const host = new FakeHost(() => {
      throw new Error("object reset");
    });
    expect(await run(host, send)).toMatchObject({
      done: false,
      reason: "contact_unavailable:object reset",
    });
  });

  it(`gives up on the ${RETRY.maxAttempts}th attempt, recorded as a failure`, async () => {
    const host = new FakeHost(() => ({ status: "retry", afterMs: 0, reason: "http_500" }));
    expect(await run(host, send, RETRY.maxAttempts - 2)).toMatchObject({ done: false });
    expect(await run(host, send, RETRY.maxAttempts - 1)).toEqual({
      done: true,
      facts: [{ type: "failed", ...stepRef(), channel: "email", reason: "http_500", gaveUp: true }],
    });
  });

  it("keeps retrying a flaky provider until it answers, never more than the limit", async () => {
    let attempt = 0;
    let answers = 0;
    const host = new FakeHost(() =>
      ++answers < 5
        ? { status: "retry", afterMs: 0, reason: "timeout" }
        : { status: "sent", id: "x" },
    );
    for (;;) {
      const r = await run(host, send, attempt);
      if (r.done) break;
      attempt++;
    }
    expect(attempt).toBe(4);
    expect(host.calls).toBe(5);
  });
});

describe("runEffect: webhooks", () => {
  it("records the webhook's own outcome", async () => {
    expect((await run(new FakeHost(undefined, () => ({ ok: true })), hook)).facts).toEqual([
      { type: "sent", ...stepRef(), channel: "webhook", id: null },
    ]);
    const r = await run(
      new FakeHost(undefined, () => ({ ok: false, retryable: false, reason: "http_404" })),
      hook,
    );
    expect(r).toEqual({
      done: true,
      facts: [
        { type: "failed", ...stepRef(), channel: "webhook", reason: "http_404", gaveUp: false },
      ],
    });
  });

  it("retries 5xx and network errors", async () => {
    const r = await run(
      new FakeHost(undefined, () => {
        throw new Error("connection refused");
      }),
      hook,
    );
    expect(r).toMatchObject({ done: false, reason: "network:connection refused" });
  });

  it("calls nothing for a held-out episode", async () => {
    const host = new FakeHost();
    const r = await run(host, { ...hook, holdout: true });
    expect(r).toEqual({
      done: true,
      facts: [{ type: "withheld", ...stepRef(true), channel: "webhook" }],
    });
    expect(host.calls).toBe(0);
  });
});

function stepRef(holdout = false) {
  const { due: _due, ...r } = ref;
  return { ...r, holdout };
}
