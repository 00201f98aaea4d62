// A fake Resend API on 127.0.0.1 for tests: validates every request against the OpenAPI contract,
// records sends by Idempotency-Key (replays and conflicts like Resend) and injects seeded faults.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ResendContract } from "./resend-contract.ts";
import { mulberry32 } from "./prng.ts";

export interface FaultConfig {
  /** PRNG seed: the same seed and request order give the same faults. */
  seed?: number;
  /** Share of requests answered 5xx before processing (500 unless `statuses5xx` says otherwise). */
  error5xx?: number;
  /** Status codes the 5xx faults cycle through, e.g. [500, 503] (default [500]). */
  statuses5xx?: number[];
  /** Share answered 429 rate_limit_exceeded with `retry-after: retryAfterSec`. */
  rateLimit429?: number;
  retryAfterSec?: number;
  /** Share processed (the send is recorded) but answered only after `slowMs`: client timeouts. */
  slow?: number;
  slowMs?: number;
  /** Share whose connection is destroyed before processing (network error). */
  drop?: number;
}

export interface RecordedSend {
  id: string;
  idempotencyKey: string;
  body: Record<string, unknown>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  idempotencyKey: string | null;
  status: number | "dropped";
  outcome: string;
  /** The fault drawn for this request (a "slow" draw only delays successful answers). */
  fault: "drop" | "5xx" | "429" | "slow" | null;
  /** When the request arrived and when it was answered (ms since epoch). */
  receivedAt: number;
  answeredAt: number;
  /** Whether the client was still connected when the answer was written. */
  clientGone: boolean;
}

export interface FakeResend {
  url: string;
  /** Accepted sends, one per idempotency key (replays are not recorded twice). */
  sends: RecordedSend[];
  requests: RecordedRequest[];
  /** Requests being handled right now (a slow answer counts until it is written). */
  inFlight(): number;
  setFaults(f: FaultConfig): void;
  close(): Promise<void>;
}

const SERVER_ERROR_NAMES: Record<number, string> = {
  500: "internal_server_error",
  502: "bad_gateway",
  503: "service_unavailable",
  504: "gateway_timeout",
};

const TAG_RE = /^[A-Za-z0-9_-]{1,256}$/;

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

/** Resend-specific rules the YAML states only in prose (tag alphabet, a body part, etc.). */
export function emailRules(body: Record<string, unknown>): string[] {
  const errs: string[] = [];
  const tags = Array.isArray(body.tags) ? (body.tags as unknown[]) : [];
  for (const t of tags) {
    const tag = (t ?? {}) as { name?: unknown; value?: unknown };
    if (typeof tag.name !== "string" || !TAG_RE.test(tag.name))
      errs.push(`tag name ${JSON.stringify(tag.name)} must match [A-Za-z0-9_-]{1,256}`);
    if (typeof tag.value !== "string" || !TAG_RE.test(tag.value))
      errs.push(`tag value ${JSON.stringify(tag.value)} must match [A-Za-z0-9_-]{1,256}`);
  }
  if (body.html === undefined && body.text === undefined && body.template === undefined)
    errs.push("one of html, text or template is required");
  if (body.headers !== undefined) {
    for (const [k, v] of Object.entries(body.headers as Record<string, unknown>)) {
      if (typeof v !== "string" || /[\r\n]/.test(v) || !/^[!-9;-~]+$/.test(k))
        errs.push(`header ${k} is invalid`);
    }
  }
  return errs;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startFakeResend(
  opts: {
    apiKey?: string;
    faults?: FaultConfig;
    /** The account's rate limit, enforced like Resend: a request arriving when this many were
     * let through in the last second is answered 429 rate_limit_exceeded (retry-after: 1). */
    rateLimitPerSec?: number;
  } = {},
): Promise<FakeResend> {
  const limit = opts.rateLimitPerSec;
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
    throw new Error(`rateLimitPerSec must be a positive integer, got ${limit}`);
  /** Arrival times of the requests the rate limiter let through, oldest first. */
  const passed: number[] = [];
  const contract = new ResendContract();
  const sends: RecordedSend[] = [];
  const requests: RecordedRequest[] = [];
  const keys = new Map<string, { hash: string; id: string | null }>();
  let faults: FaultConfig = opts.faults ?? {};
  let rng = mulberry32(faults.seed ?? 1);
  let seq = 0;
  let n5xx = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? "GET";
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const key = req.headers["idempotency-key"];
    const idem = typeof key === "string" ? key : null;
    let fault: RecordedRequest["fault"] = null;
    const receivedAt = Date.now();
    const log = (status: number | "dropped", outcome: string) =>
      requests.push({
        method,
        path,
        idempotencyKey: idem,
        status,
        outcome,
        fault,
        receivedAt,
        answeredAt: Date.now(),
        clientGone: res.destroyed || req.socket.destroyed,
      });
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      if (!res.destroyed) {
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(JSON.stringify(body));
      }
    };
    const fail = (
      status: number,
      name: string,
      message: string,
      headers: Record<string, string> = {},
    ) => {
      log(status, name);
      reply(status, { statusCode: status, name, message }, headers);
    };
    const raw = await readBody(req);
    const m = contract.match(method, path);
    if (!m.ok)
      return fail(
        m.status,
        m.status === 404 ? "not_found" : "method_not_allowed",
        `${method} ${path} is not in the contract`,
      );
    const auth = req.headers.authorization ?? "";
    if (!/^Bearer \S+$/.test(auth))
      return fail(401, "missing_api_key", "Missing API key in the authorization header");
    if (opts.apiKey && auth !== `Bearer ${opts.apiKey}`)
      return fail(403, "invalid_api_key", "API key is invalid");
    for (const p of m.route.headerParams) {
      const v = req.headers[p.name.toLowerCase()];
      if (
        typeof v === "string" &&
        p.schema?.maxLength !== undefined &&
        v.length > p.schema.maxLength
      ) {
        return fail(
          400,
          "invalid_idempotency_key",
          `${p.name} must be at most ${p.schema.maxLength} characters`,
        );
      }
    }
    if (limit !== undefined) {
      while (passed.length && passed[0]! <= receivedAt - 1000) passed.shift();
      if (passed.length >= limit)
        return fail(429, "rate_limit_exceeded", "Too many requests", { "retry-after": "1" });
      passed.push(receivedAt);
    }
    // Faults are drawn before validation, like a proxy or rate limiter in front of the API.
    const r = rng();
    const f = faults;
    let edge = 0;
    if (r < (edge += f.drop ?? 0)) {
      fault = "drop";
      log("dropped", "fault_drop");
      req.socket.destroy();
      return;
    }
    if (r < (edge += f.error5xx ?? 0)) fault = "5xx";
    else if (r < (edge += f.rateLimit429 ?? 0)) fault = "429";
    else if (r < edge + (f.slow ?? 0)) fault = "slow";
    if (fault === "5xx") {
      const codes = f.statuses5xx?.length ? f.statuses5xx : [500];
      const status = codes[n5xx++ % codes.length]!;
      return fail(status, SERVER_ERROR_NAMES[status] ?? "application_error", "injected fault");
    }
    if (fault === "429") {
      return fail(429, "rate_limit_exceeded", "Too many requests", {
        "retry-after": String(f.retryAfterSec ?? 1),
      });
    }
    const slow = fault === "slow";
    const delay = () => new Promise((done) => setTimeout(done, f.slowMs ?? 15_000));
    let body: unknown;
    if (m.route.validateBody) {
      if (!/^application\/json\b/.test(req.headers["content-type"] ?? ""))
        return fail(415, "validation_error", "Content-Type must be application/json");
      try {
        body = JSON.parse(raw);
      } catch {
        return fail(400, "validation_error", "Body is not valid JSON");
      }
      if (!m.route.validateBody(body)) {
        const msg = (m.route.validateBody.errors ?? [])
          .map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`)
          .join("; ");
        return fail(422, "validation_error", `Request does not match the contract: ${msg}`);
      }
    }
    if (m.route.operationId !== "emails/send")
      return fail(501, "application_error", `${m.route.operationId} is not faked`);
    const email = body as Record<string, unknown>;
    const errs = emailRules(email);
    if (errs.length) return fail(422, "validation_error", errs.join("; "));
    if (!idem)
      return fail(
        400,
        "invalid_idempotency_key",
        "Nudge always sends Idempotency-Key (fake requires it)",
      );
    const hash = canonical(email);
    const prev = keys.get(idem);
    if (prev && prev.hash !== hash)
      return fail(
        409,
        "invalid_idempotent_request",
        "Same idempotency key used with a different payload",
      );
    if (prev && prev.id === null)
      return fail(
        409,
        "concurrent_idempotent_requests",
        "Same idempotency key request is still in progress",
      );
    if (prev && prev.id) {
      if (slow) await delay();
      log(200, slow ? "replayed_slow" : "replayed");
      return reply(200, { id: prev.id });
    }
    const entry: { hash: string; id: string | null } = { hash, id: null };
    keys.set(idem, entry);
    if (slow) await delay();
    entry.id = `fake_${(++seq).toString().padStart(6, "0")}`;
    sends.push({ id: entry.id, idempotencyKey: idem, body: email });
    log(200, slow ? "sent_slow" : "sent");
    reply(200, { id: entry.id });
  };

  let inFlight = 0;
  const server = createServer((req, res) => {
    inFlight++;
    const done = handle(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(
          JSON.stringify({ statusCode: 500, name: "application_error", message: String(err) }),
        );
      }
    });
    void done.finally(() => inFlight--);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sends,
    requests,
    inFlight: () => inFlight,
    setFaults(next) {
      faults = next;
      rng = mulberry32(next.seed ?? 1);
    },
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
