// A fake Cloudflare API on 127.0.0.1 for the `nudge init` tests: wrangler is pointed at it with
// CLOUDFLARE_API_BASE_URL. It answers the calls init makes through wrangler (KV namespaces list
// and create, KV values get and put, a worker's secrets and settings, the empty worker wrangler
// creates before storing a first secret) in the API's own envelope, keeps that state, and
// records every request. Anything else is a 404 the test can see in `unknown`.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
}

export interface FakeCloudflare {
  url: string;
  accountId: string;
  requests: RecordedRequest[];
  /** Requests the fake has no answer for. */
  unknown: RecordedRequest[];
  namespaces: Map<string, { id: string; title: string; values: Map<string, string> }>;
  /** Workers by name: their secret values (the real API never returns these). */
  workers: Map<string, { secrets: Map<string, string> }>;
  close(): Promise<void>;
}

const ok = (result: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ success: true, errors: [], messages: [], result, ...extra });
const fail = (code: number, message: string) =>
  JSON.stringify({ success: false, errors: [{ code, message }], messages: [], result: null });

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The fields of a multipart or urlencoded body, through the platform's own parser. */
async function formFields(req: IncomingMessage, raw: Buffer): Promise<Map<string, string>> {
  const r = new Request("http://x/", {
    method: "POST",
    headers: { "content-type": req.headers["content-type"] ?? "" },
    body: new Uint8Array(raw),
  });
  const form = await r.formData();
  const out = new Map<string, string>();
  for (const [k, v] of form.entries()) out.set(k, typeof v === "string" ? v : await v.text());
  return out;
}

export async function startFakeCloudflare(
  accountId = "0123456789abcdef0123456789abcdef",
): Promise<FakeCloudflare> {
  const requests: RecordedRequest[] = [];
  const unknown: RecordedRequest[] = [];
  const namespaces: FakeCloudflare["namespaces"] = new Map();
  const workers: FakeCloudflare["workers"] = new Map();
  let nextId = 1;

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const path = url.pathname.replace(/^\/client\/v4/, "");
      const method = req.method ?? "GET";
      requests.push({ method, path });
      const raw = await body(req);
      const send = (status: number, text: string, type = "application/json") => {
        res.writeHead(status, { "content-type": type });
        res.end(text);
      };
      const acct = `/accounts/${accountId}`;
      let m: RegExpExecArray | null;

      if (path === `${acct}/storage/kv/namespaces` && method === "GET") {
        const all = [...namespaces.values()].map(({ id, title }) => ({
          id,
          title,
          supports_url_encoding: true,
        }));
        const page = Number(url.searchParams.get("page") ?? "1");
        const perPage = Number(url.searchParams.get("per_page") ?? "20");
        const slice = all.slice((page - 1) * perPage, page * perPage);
        return send(
          200,
          ok(slice, {
            result_info: {
              page,
              per_page: perPage,
              count: slice.length,
              total_count: all.length,
              total_pages: Math.max(1, Math.ceil(all.length / perPage)),
            },
          }),
        );
      }
      if (path === `${acct}/storage/kv/namespaces` && method === "POST") {
        const { title } = JSON.parse(raw.toString("utf8")) as { title: string };
        if ([...namespaces.values()].some((n) => n.title === title))
          return send(
            400,
            fail(10014, "a namespace with this account ID and title already exists"),
          );
        const id = (nextId++).toString(16).padStart(32, "a");
        namespaces.set(id, { id, title, values: new Map() });
        return send(200, ok({ id, title, supports_url_encoding: true }));
      }
      if ((m = new RegExp(`^${acct}/storage/kv/namespaces/([0-9a-f]{32})/keys$`).exec(path))) {
        const ns = namespaces.get(m[1]!);
        if (!ns) return send(404, fail(10013, "namespace not found"));
        const prefix = url.searchParams.get("prefix") ?? "";
        const keys = [...ns.values.keys()]
          .filter((k) => k.startsWith(prefix))
          .map((name) => ({ name }));
        return send(200, ok(keys, { result_info: { count: keys.length, cursor: "" } }));
      }
      if (
        (m = new RegExp(`^${acct}/storage/kv/namespaces/([0-9a-f]{32})/values/(.+)$`).exec(path))
      ) {
        const ns = namespaces.get(m[1]!);
        if (!ns) return send(404, fail(10013, "namespace not found"));
        const key = decodeURIComponent(m[2]!);
        if (method === "GET") {
          const v = ns.values.get(key);
          return v === undefined
            ? send(404, fail(10009, "get: 'key not found'"))
            : send(200, v, "application/octet-stream");
        }
        if (method === "PUT") {
          const type = req.headers["content-type"] ?? "";
          const value = /multipart\/form-data/.test(type)
            ? ((await formFields(req, raw)).get("value") ?? "")
            : raw.toString("utf8");
          ns.values.set(key, value);
          return send(200, ok(null));
        }
      }
      if (
        (m = new RegExp(`^${acct}/workers/scripts/([a-z0-9-]+)(/secrets|/settings)?$`).exec(path))
      ) {
        const name = m[1]!;
        const worker = workers.get(name);
        if (m[2] === undefined && method === "PUT") {
          workers.set(name, worker ?? { secrets: new Map() });
          return send(200, ok({ id: name }));
        }
        if (!worker) return send(404, fail(10007, "This Worker does not exist on your account."));
        if (m[2] === "/secrets" && method === "GET")
          return send(
            200,
            ok([...worker.secrets.keys()].map((n) => ({ name: n, type: "secret_text" }))),
          );
        if (m[2] === "/settings" && method === "GET")
          return send(
            200,
            ok({
              bindings: [...worker.secrets.keys()].map((n) => ({ name: n, type: "secret_text" })),
            }),
          );
        if (m[2] === "/settings" && method === "PATCH") {
          const settings = JSON.parse((await formFields(req, raw)).get("settings") ?? "{}") as {
            bindings?: { type: string; name: string; text?: string }[];
          };
          for (const b of settings.bindings ?? [])
            if (b.type === "secret_text" && b.text !== undefined)
              worker.secrets.set(b.name, b.text);
          return send(200, ok({ bindings: settings.bindings ?? [] }));
        }
      }
      unknown.push({ method, path });
      send(404, fail(7003, `fake Cloudflare API: no route for ${method} ${path}`));
    })().catch((err: unknown) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/client/v4`,
    accountId,
    requests,
    unknown,
    namespaces,
    workers,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
