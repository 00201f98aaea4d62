// A stand-in for the worker in the snippet's browser tests: one loopback HTTP server that serves
// the HTML fixtures and the built dist/nudge.js, and collects POST …/e bodies, validating each
// against the worker's own BatchSchema. Failures can be injected (503, dropped connection).
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { BatchSchema, type ParsedBatch } from "../../../worker/ingest/wire.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures");
const SNIPPET = join(import.meta.dirname, "../../../dist/nudge.js");

export interface Received {
  /** Path the batch was posted to (`/e`, or a `data-api` path). */
  path: string;
  /** The raw body, exactly as the browser sent it. */
  raw: string;
  contentType: string;
  /** The batch as the worker would see it (after zod), when valid. */
  batch?: ParsedBatch;
  /** zod issues, when BatchSchema rejected it (a test failure: the worker would answer 400). */
  issues?: unknown[];
}

export type Failure = 503 | "drop";
type Event = ParsedBatch["events"][number];

export interface Collector {
  /** Where the script and the endpoint live: http://127.0.0.1:PORT */
  api: string;
  /** Where pages live: http://localhost:PORT (another origin, as in production). */
  site: string;
  /** A fixture's URL on the page origin; its tag gets `data-site=site` (one site per test). */
  page(name: string, site: string, query?: string): string;
  received: Received[];
  /** Every accepted event of `site`, in arrival order, with its batch. */
  events(site: string): { batch: ParsedBatch; event: Event }[];
  /** The next `n` POSTs fail this way (503 answer, or the connection is destroyed). */
  fail(n: number, how: Failure): void;
  /** Injected failures not yet spent. */
  failuresLeft(): number;
  /** Polls `pred` over `site`'s accepted events until it holds or `ms` pass (then throws). */
  waitFor(
    site: string,
    what: string,
    pred: (events: Event[]) => boolean,
    ms?: number,
  ): Promise<Event[]>;
  close(): Promise<void>;
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export async function startCollector(): Promise<Collector> {
  const received: Received[] = [];
  const failures: Failure[] = [];
  let port = 0;
  const api = () => `http://127.0.0.1:${port}`;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", api());
    const cors = { "access-control-allow-origin": req.headers.origin ?? "*", vary: "origin" };
    if (req.method === "POST" && url.pathname.endsWith("/e")) {
      const raw = await body(req);
      const how = failures.shift();
      if (how === "drop") return req.socket.destroy();
      if (how === 503) return res.writeHead(503, cors).end('{"error":"site_unavailable"}');
      const rec: Received = {
        path: url.pathname,
        raw,
        contentType: req.headers["content-type"] ?? "",
      };
      received.push(rec);
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        rec.issues = ["invalid_json"];
        return res.writeHead(400, cors).end('{"error":"invalid_json"}');
      }
      const parsed = BatchSchema.safeParse(json);
      if (!parsed.success) {
        rec.issues = parsed.error.issues;
        return res.writeHead(400, cors).end(JSON.stringify({ error: "invalid_batch" }));
      }
      rec.batch = parsed.data;
      return res.writeHead(202, { ...cors, "content-type": "application/json" }).end("{}");
    }
    if (req.method === "GET" && url.pathname === "/nudge.js") {
      return res
        .writeHead(200, { "content-type": "application/javascript", "cache-control": "no-store" })
        .end(readFileSync(SNIPPET));
    }
    const m = /^\/f\/([\w-]+\.html)$/.exec(url.pathname);
    if (m) {
      await body(req); // a form posted to a fixture: its fields are ignored
      const site = url.searchParams.get("site") ?? "shop";
      const html = readFileSync(join(FIXTURES, m[1]!), "utf8")
        .replaceAll("{{API}}", api())
        .replaceAll("{{SITE}}", /^[a-z0-9-]+$/.test(site) ? site : "shop");
      return res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html);
    }
    res.writeHead(404).end("not found");
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;

  const accepted = (site: string) =>
    received.flatMap((r) =>
      r.batch?.site === site ? r.batch.events.map((event) => ({ batch: r.batch!, event })) : [],
    );

  return {
    api: api(),
    site: `http://localhost:${port}`,
    page: (name, site, query) =>
      `http://localhost:${port}/f/${name}.html?site=${site}${query ? `&${query}` : ""}`,
    received,
    events: accepted,
    fail(n, how) {
      for (let i = 0; i < n; i++) failures.push(how);
    },
    failuresLeft: () => failures.length,
    async waitFor(site, what, pred, ms = 5000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const evs = accepted(site).map((x) => x.event);
        if (pred(evs)) return evs;
        if (Date.now() > deadline) {
          throw new Error(
            `timed out waiting for ${what}; got ${JSON.stringify(evs.map((e) => e.name))}`,
          );
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
