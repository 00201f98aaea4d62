// README.md's snippet examples ("Install the tag on a store") stay true: each `nudge(…)` call of
// its js blocks goes through the snippet's real command API and transport (snippet/api.ts,
// transport.ts) to a loopback endpoint, and every batch that arrives must pass the worker's
// BatchSchema (worker/ingest/wire.ts); every command the snippet accepts has an example.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { call } from "../../snippet/api.ts";
import { allow, flush, setup } from "../../snippet/transport.ts";
import { BatchSchema, BUILTIN_EVENTS } from "../../worker/ingest/wire.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** The `nudge(…)` calls of the js code blocks in README.md's "Install the tag on a store". */
function readmeCalls(): unknown[][] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const from = readme.indexOf("\n## Install the tag on a store");
  const section = readme.slice(from, readme.indexOf("\n## ", from + 1));
  const calls: unknown[][] = [];
  for (const [, code] of section.matchAll(/```js\n([\s\S]*?)```/g))
    runInNewContext(code ?? "", { nudge: (...args: unknown[]) => void calls.push(args) });
  return calls;
}

let server: Server;
const batches: unknown[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      batches.push(JSON.parse(body));
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  // What the snippet reads of the page: its address, and that the browser is online.
  vi.stubGlobal("location", new URL("https://shop.example/p/mug?utm_source=mail"));
  vi.stubGlobal("navigator", { onLine: true });
  setup(`http://127.0.0.1:${port}/e`, { site: "shop", tz: "Europe/Berlin" });
  allow(true);
});
afterAll(async () => {
  vi.unstubAllGlobals();
  await new Promise<void>((r) => server.close(() => r()));
});

/** The wire events the snippet sends for one `nudge(…)` call. */
async function send(args: unknown[]): Promise<{ name: string; event?: unknown }[]> {
  const before = batches.length;
  call(...(args as [unknown, unknown, unknown]));
  flush();
  await vi.waitFor(() => expect(batches.length).toBeGreaterThan(before), { timeout: 2000 });
  await new Promise((r) => setTimeout(r, 20)); // nothing more on its way
  return batches.slice(before).flatMap((b) => {
    const parsed = BatchSchema.safeParse(b);
    expect(parsed.error?.issues, JSON.stringify(b)).toBeUndefined();
    return parsed.data?.events ?? [];
  });
}

/**
 * Whether the snippet turns `nudge(name, …)` into an event at all: unknown commands it ignores.
 * The data is `{ marketing: true }`, which keeps `consent` sending.
 */
async function accepts(name: string): Promise<boolean> {
  const before = batches.length;
  call(name, name === "track" ? "probe_event" : { marketing: true }, {});
  flush();
  await new Promise((r) => setTimeout(r, 150));
  return batches.length > before;
}

describe("README.md's snippet examples", () => {
  const calls = readmeCalls();

  it("there are examples", () => {
    expect(calls.length).toBeGreaterThanOrEqual(9);
  });

  it.each(calls.map((c) => [String(c[0]), c]))(
    "nudge(%j, …) becomes one wire event the worker accepts",
    async (name, args) => {
      const events = await send(args);
      expect(events).toHaveLength(1);
      const [event] = events;
      if (name === "track") {
        expect(event).toMatchObject({ name: "track", event: args[1] });
      } else expect(event?.name).toBe(name);
    },
  );

  it("cover every command the snippet accepts", async () => {
    const accepted: string[] = [];
    for (const n of [...BUILTIN_EVENTS, "track", "nope"]) if (await accepts(n)) accepted.push(n);
    // A control each way: an unknown command and the automatic form events are not commands.
    expect(accepted).not.toContain("nope");
    expect(accepted).not.toContain("form_submit");
    expect(accepted).toContain("notify");
    const documented = new Set(calls.map((c) => String(c[0])));
    expect(accepted.filter((n) => !documented.has(n))).toEqual([]);
  });
});
