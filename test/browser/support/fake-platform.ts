// What the fake platform stores (./fake-shopify.ts, ./fake-woocommerce.ts) share: a loopback
// HTTP server on a chosen port, request bodies read as a platform reads them (JSON, or a form,
// urlencoded or multipart, with bracketed keys such as `items[0][id]`), cookies, escaping.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

export type Fields = { [k: string]: string | Fields };

export interface Handled {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** A request's whole body. */
export function rawBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** `a[b][c]=v` into { a: { b: { c: v } } } (PHP and Rails read forms this way). */
function nest(entries: Iterable<[string, string]>): Fields {
  const out: Fields = {};
  for (const [key, value] of entries) {
    const path = key.replace(/\]/g, "").split("[");
    let at: Fields = out;
    path.forEach((p, i) => {
      if (i === path.length - 1) at[p] = value;
      else at = (typeof at[p] === "object" ? at[p] : (at[p] = {})) as Fields;
    });
  }
  return out;
}

/** The body as the platform reads it: JSON as sent, a form's fields nested; empty → {}. */
export async function bodyOf(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = await rawBody(req);
  const type = req.headers["content-type"] ?? "";
  if (!raw.length) return {};
  if (type.includes("json")) return JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
  if (type.includes("multipart/form-data") || type.includes("x-www-form-urlencoded")) {
    const form = await new Request("http://form.local/", {
      method: "POST",
      headers: { "content-type": type },
      body: new Uint8Array(raw),
    }).formData();
    return nest([...form.entries()].map(([k, v]) => [k, String(v)]));
  }
  return {};
}

export function cookiesOf(req: IncomingMessage): Record<string, string> {
  return Object.fromEntries(
    (req.headers.cookie ?? "")
      .split(";")
      .map((c) => c.trim().split("="))
      .filter((kv) => kv.length === 2)
      .map(([k, v]) => [k!, decodeURIComponent(v!)]),
  );
}

export const esc = (s: unknown): string =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

export interface RecordedRequest {
  method: string;
  path: string;
  body: Record<string, unknown>;
}

/**
 * Serves `handle` on 127.0.0.1:`port` (a thrown error is a 500 with its message) and records
 * every request with its parsed body.
 */
export async function listen(
  port: number,
  handle: (
    req: IncomingMessage,
    url: URL,
    body: Record<string, unknown>,
    res: ServerResponse,
  ) => Handled | Promise<Handled>,
): Promise<{ server: Server; requests: RecordedRequest[]; close(): Promise<void> }> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", `http://127.0.0.1:${port}`);
      const body = await bodyOf(req);
      requests.push({ method: req.method ?? "GET", path: url.pathname + url.search, body });
      const out = await handle(req, url, body, res);
      res.writeHead(out.status, { "cache-control": "no-store", ...out.headers }).end(out.body);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    server,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
