// `nudge send-event` against a loopback HTTP server standing in for the worker (what it sends,
// 202, 401, network failure), its local validation and usage errors, and `nudge key`.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runKey, runSendEvent } from "../../cli/send-event.ts";
import { main } from "../../cli/main.ts";
import { captureIo } from "../support/io.ts";

const KEY = "cli-server-key-0123456789abcdef0123";
let server: Server;
let url: string;
const seen: { path: string; auth: string; body: unknown }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("end", () => {
      seen.push({
        path: req.url ?? "",
        auth: req.headers.authorization ?? "",
        body: JSON.parse(raw),
      });
      const ok = req.headers.authorization === `Bearer ${KEY}`;
      res.writeHead(ok ? 202 : 401, { "content-type": "application/json" });
      res.end(JSON.stringify(ok ? { accepted: 1, duplicates: 0 } : { error: "unauthorized" }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const deps = (env: Record<string, string> = {}) => ({ fetch: globalThis.fetch, env });

describe("nudge send-event", () => {
  it("sends one event, checked with the worker's schema, with the key as Bearer", async () => {
    const { io, out } = captureIo();
    const code = await runSendEvent(
      [
        "demo",
        "--name",
        "purchase",
        "--email",
        "Ada@Example.com",
        "--data",
        '{"order_id":"A-1","value":45,"currency":"eur"}',
        "--id",
        "order-a-1-paid",
        "--url",
        url,
      ],
      io,
      deps({ NUDGE_SERVER_KEY: KEY }),
    );
    expect(code).toBe(0);
    expect(out.join("\n")).toContain("accepted event order-a-1-paid");
    expect(seen.at(-1)).toEqual({
      path: "/v1/events",
      auth: `Bearer ${KEY}`,
      body: {
        site: "demo",
        events: [
          {
            id: "order-a-1-paid",
            name: "purchase",
            email: "Ada@Example.com",
            data: { order_id: "A-1", value: 45, currency: "eur" },
          },
        ],
      },
    });
  });

  it("sends a custom name as a track event and an identify with its email", async () => {
    const { io } = captureIo();
    expect(
      await runSendEvent(
        ["demo", "--name", "plan_upgraded", "--vid", "v".repeat(20), "--key", KEY, "--url", url],
        io,
        deps(),
      ),
    ).toBe(0);
    expect(seen.at(-1)?.body).toMatchObject({
      events: [{ name: "track", event: "plan_upgraded", vid: "v".repeat(20), data: {} }],
    });
    expect(
      await runSendEvent(
        ["demo", "--name", "identify", "--email", "bo@example.com", "--key", KEY, "--url", url],
        io,
        deps(),
      ),
    ).toBe(0);
    expect(seen.at(-1)?.body).toMatchObject({
      events: [{ name: "identify", email: "bo@example.com", data: { email: "bo@example.com" } }],
    });
  });

  it("reports an invalid event by path and sends nothing", async () => {
    const before = seen.length;
    const { io, err } = captureIo();
    const code = await runSendEvent(
      ["demo", "--name", "purchase", "--email", "a@b.co", "--data", '{"value":-1}', "--url", url],
      io,
      deps({ NUDGE_SERVER_KEY: KEY }),
    );
    expect(code).toBe(2);
    expect(err.join("\n")).toMatch(/events\[0\]\.data\.order_id/);
    expect(err.join("\n")).toMatch(/events\[0\]\.data\.value/);
    expect(seen.length).toBe(before);
  });

  it("says what is wrong: usage, no key, a refused key, an unreachable worker", async () => {
    const run = async (args: string[], env: Record<string, string> = {}) => {
      const c = captureIo();
      return { code: await runSendEvent(args, c.io, deps(env)), err: c.err.join("\n") };
    };
    expect(await run(["demo"])).toMatchObject({ code: 2, err: expect.stringContaining("--name") });
    expect(await run(["Bad Site", "--name", "page"])).toMatchObject({ code: 2 });
    expect(await run(["demo", "--name", "page", "--email", "a@b.co", "--data", "{"])).toMatchObject(
      { code: 2, err: expect.stringContaining("not valid JSON") },
    );
    expect(await run(["demo", "--name", "page", "--email", "a@b.co", "--url", url])).toMatchObject({
      code: 2,
      err: expect.stringContaining("NUDGE_SERVER_KEY"),
    });
    const refused = await run(["demo", "--name", "page", "--email", "a@b.co", "--url", url], {
      NUDGE_SERVER_KEY: "wrong-key",
    });
    expect(refused).toMatchObject({ code: 1, err: expect.stringContaining("401") });
    const down = await run(
      ["demo", "--name", "page", "--email", "a@b.co", "--url", "http://127.0.0.1:9"],
      { NUDGE_SERVER_KEY: KEY },
    );
    expect(down).toMatchObject({ code: 1, err: expect.stringContaining("cannot reach") });
  });
});

describe("nudge key", () => {
  it("prints a fresh 256-bit key on stdout and how to install it on stderr", async () => {
    const a = captureIo();
    const b = captureIo();
    expect(runKey([], a.io)).toBe(0);
    expect(runKey([], b.io)).toBe(0);
    expect(a.out[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(a.out[0]).not.toBe(b.out[0]);
    expect(a.err.join("\n")).toContain("wrangler secret put NUDGE_SERVER_KEY");
    expect(runKey(["extra"], captureIo().io)).toBe(2);
    const viaMain = captureIo();
    expect(await main(["key"], viaMain.io)).toBe(0);
    expect(viaMain.out[0]).toMatch(/^[0-9a-f]{64}$/);
  });
});
