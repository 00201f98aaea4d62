// Webhook steps over real HTTP: the live retry path (runEffect) with the live client
// (postWebhook) against a receiver on loopback that answers as told: the Idempotency-Key is the
// step's key on every attempt, 429 and 5xx and timeouts and refused connections are retried
// (429's Retry-After respected), other 4xx fail at once, and the last attempt gives up.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { WebhookEffect } from "../../worker/engine/index.ts";
import { RETRY, runEffect, type RunnerHost } from "../../worker/visitor/runner.ts";
import { postWebhook } from "../../worker/visitor/webhook.ts";

interface Seen {
  headers: IncomingMessage["headers"];
  body: unknown;
}
type Answer = { status: number; headers?: Record<string, string> } | "hang";

let server: Server;
let url = "";
let answers: Answer[] = [];
let seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString("utf8")));
    req.on("end", () => {
      seen.push({ headers: req.headers, body: JSON.parse(raw) as unknown });
      const a = answers.shift() ?? { status: 200 };
      if (a === "hang") return; // never answers: the client's timeout decides
      res.writeHead(a.status, a.headers ?? {});
      res.end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  answers = [];
  seen = [];
});

const effect = (to = url): WebhookEffect => ({
  type: "webhook",
  key: "shop.clicked-no-purchase.ep9.0",
  trigger: "clicked-no-purchase",
  episode: "ep9",
  step: 0,
  due: 0,
  variant: null,
  holdout: false,
  url: to,
  payload: {
    email: "ada@example.com",
    event: { name: "email_click" },
    step: 0,
    due: Date.UTC(2026, 11, 3, 9, 30),
  },
});
const host = (timeoutMs = 300): RunnerHost => ({
  deliver: () => Promise.reject(new Error("no email here")),
  webhook: (e) => postWebhook(e, "shop", timeoutMs),
});
const NOW = 1_000_000;
const run = (attempt: number, e = effect(), h = host()) => runEffect(h, e, attempt, NOW, () => 0.5);

describe("webhook steps over HTTP", () => {
  it("POSTs the step as JSON with the step key as Idempotency-Key; a 2xx is done", async () => {
    const r = await run(0);
    expect(r).toEqual({
      done: true,
      facts: [expect.objectContaining({ type: "sent", channel: "webhook" })],
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers["idempotency-key"]).toBe("shop.clicked-no-purchase.ep9.0");
    expect(seen[0]?.headers["content-type"]).toBe("application/json");
    expect(seen[0]?.body).toEqual({
      site: "shop",
      trigger: "clicked-no-purchase",
      step: 1, // the receiver sees steps counted from 1; the key keeps the internal index
      due: "2026-12-03T09:30:00.000Z",
      email: "ada@example.com",
      event: { name: "email_click" },
    });
  });

  it("retries a 5xx with the same key, and is done when the receiver recovers", async () => {
    answers = [{ status: 503 }, { status: 200 }];
    const first = await run(0);
    expect(first).toMatchObject({ done: false, reason: "http_503", attempted: true });
    expect(first.facts).toEqual([expect.objectContaining({ type: "retry", reason: "http_503" })]);
    expect(await run(1)).toMatchObject({ done: true });
    expect(seen.map((s) => s.headers["idempotency-key"])).toEqual([
      "shop.clicked-no-purchase.ep9.0",
      "shop.clicked-no-purchase.ep9.0",
    ]);
  });

  it("waits at least a 429's Retry-After", async () => {
    answers = [{ status: 429, headers: { "retry-after": "7" } }];
    const r = await run(0);
    expect(r).toMatchObject({ done: false, reason: "http_429" });
    if (r.done) return;
    expect(r.nextAt).toBeGreaterThanOrEqual(NOW + 7_000);
  });

  it("fails a 4xx at once: no retry, not a give-up", async () => {
    answers = [{ status: 400 }];
    expect(await run(0)).toEqual({
      done: true,
      facts: [expect.objectContaining({ type: "failed", reason: "http_400", gaveUp: false })],
    });
    expect(seen).toHaveLength(1);
  });

  it("retries a receiver that does not answer in time, and one that refuses the connection", async () => {
    answers = ["hang"];
    const slow = await run(0);
    expect(slow).toMatchObject({ done: false });
    if (!slow.done) expect(slow.reason).toMatch(/^network:/);
    const closed = await run(0, effect("http://127.0.0.1:9/refused"));
    expect(closed).toMatchObject({ done: false });
    if (!closed.done) expect(closed.reason).toMatch(/^network:/);
  });

  it("gives up after the last attempt", async () => {
    answers = [{ status: 500 }];
    expect(await run(RETRY.maxAttempts - 1)).toEqual({
      done: true,
      facts: [expect.objectContaining({ type: "failed", reason: "http_500", gaveUp: true })],
    });
  });

  it("sends nothing for a holdout step", async () => {
    expect(await run(0, { ...effect(), holdout: true })).toEqual({
      done: true,
      facts: [expect.objectContaining({ type: "withheld" })],
    });
    expect(seen).toHaveLength(0);
  });
});
