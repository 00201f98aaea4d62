// `nudge catalog push SITE FILE [--url URL] [--key KEY] [--batch N] [--dry-run]`: reads a product
// catalog (JSON, CSV or a Google Merchant RSS feed; cli/catalog-parse.ts), checks every product
// with the worker's schema, then sends it to POST /v1/catalog in batches, one after another.
// A file with any error sends nothing. 429, 503 and network failures are retried per batch
// (retry-after honoured); any other refusal stops the push and names the file position.
// Exit codes: 0 pushed (or checked, with --dry-run), 1 failure (file, worker, network), 2 usage.
// `pushCatalog` takes its fetch and sleep as arguments, so a workerd test can drive the worker.
import { MAX_CATALOG_BATCH, type CatalogProduct } from "../worker/catalog/schema.ts";
import { SITE_ID } from "../worker/lib/ids.ts";
import { fetchFailure, parseArgs, serverKey, UsageError, workerUrl, type Io } from "./args.ts";
import { at, catalogFormatOf, parseCatalog, type ParsedCatalog } from "./catalog-parse.ts";
import { parseRetryAfter } from "../worker/lib/retry-after.ts";

export const CATALOG_USAGE =
  "usage: nudge catalog push SITE FILE [--url URL] [--key KEY] [--batch N] [--dry-run]\n" +
  "  FILE: .json, .csv or a Google Merchant RSS feed (.xml/.rss); see `nudge help catalog`\n" +
  "  key: --key or NUDGE_SERVER_KEY; url: --url, NUDGE_URL or http://127.0.0.1:8787";

const FLAGS = { url: "value", key: "value", batch: "value", "dry-run": "bool" } as const;
/** Retries of one batch after a 429, a 503 or a network failure. */
export const MAX_RETRIES = 5;
/** The longest wait between two tries, whatever retry-after says. */
export const MAX_WAIT_MS = 30_000;
/** At most this many file errors are printed (then how many more there are). */
const MAX_PRINTED_ERRORS = 50;
const TIMEOUT_MS = 60_000;

/** The worker's answer to one accepted batch. */
export interface CatalogTotals {
  received: number;
  changed: number;
  price_drops: number;
  back_in_stock: number;
}

export interface PushOptions {
  /** POST /v1/catalog of the worker. */
  url: URL;
  key: string;
  site: string;
  products: readonly CatalogProduct[];
  /** Products per request, 1..MAX_CATALOG_BATCH. */
  batchSize: number;
  fetch: typeof fetch;
  /** Waits before a retry (tests pass a fast one). */
  sleep: (ms: number) => Promise<void>;
  /** Called after each accepted batch. */
  onBatch?: (progress: { pushed: number; total: number; batch: number; batches: number }) => void;
  /** Called before each retry. */
  onRetry?: (retry: { batch: number; attempt: number; waitMs: number; reason: string }) => void;
}

export type PushResult =
  | { ok: true; totals: CatalogTotals; batches: number }
  | {
      ok: false;
      /** Products accepted before the failing batch. */
      pushed: number;
      totals: CatalogTotals;
      /** The failing batch (1-based) and its first product's index. */
      batch: number;
      start: number;
      reason: string;
      status?: number;
      /** The worker's issues, `index` being the product's index in `products`. */
      issues: { index?: number; path: string; message: string }[];
    };

const ZERO: CatalogTotals = { received: 0, changed: 0, price_drops: 0, back_in_stock: 0 };

/** Sends `products` in batches, one after another; stops at the first batch the worker refuses. */
export async function pushCatalog(o: PushOptions): Promise<PushResult> {
  const size = Math.min(MAX_CATALOG_BATCH, Math.max(1, Math.floor(o.batchSize)));
  const batches = Math.ceil(o.products.length / size);
  let totals = ZERO;
  for (let b = 0; b < batches; b++) {
    const start = b * size;
    const products = o.products.slice(start, start + size);
    const answer = await sendBatch(o, b + 1, products);
    if (!answer.ok)
      return {
        ok: false,
        pushed: start,
        totals,
        batch: b + 1,
        start,
        reason: answer.reason,
        ...(answer.status !== undefined && { status: answer.status }),
        issues: answer.issues.map((i) => withIndex(i, start)),
      };
    totals = add(totals, answer.totals);
    o.onBatch?.({
      pushed: start + products.length,
      total: o.products.length,
      batch: b + 1,
      batches,
    });
  }
  return { ok: true, totals, batches };
}

type BatchAnswer =
  | { ok: true; totals: CatalogTotals }
  | { ok: false; reason: string; status?: number; issues: { path: string; message: string }[] };

/** One batch, retried after a 429, a 503 or a network failure, up to MAX_RETRIES times. */
async function sendBatch(
  o: PushOptions,
  batch: number,
  products: readonly CatalogProduct[],
): Promise<BatchAnswer> {
  const body = JSON.stringify({ site: o.site, products });
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    let retry: { reason: string; waitMs: number };
    try {
      res = await o.fetch(o.url, {
        method: "POST",
        headers: { authorization: `Bearer ${o.key}`, "content-type": "application/json" },
        body,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (res.status !== 429 && res.status !== 503) return await answerOf(res);
      await res.body?.cancel();
      retry = {
        reason: `HTTP ${res.status}`,
        waitMs: parseRetryAfter(res.headers.get("retry-after"), Date.now()) ?? backoffMs(attempt),
      };
    } catch (err) {
      retry = {
        reason: `cannot reach ${o.url.origin} (${fetchFailure(err)})`,
        waitMs: backoffMs(attempt),
      };
    }
    if (attempt >= MAX_RETRIES)
      return {
        ok: false,
        reason: `${retry.reason}, still after ${MAX_RETRIES} retries`,
        issues: [],
      };
    const waitMs = Math.min(MAX_WAIT_MS, retry.waitMs);
    o.onRetry?.({ batch, attempt: attempt + 1, waitMs, reason: retry.reason });
    await o.sleep(waitMs);
  }
}

/** The worker's answer to a batch that was not throttled. */
async function answerOf(res: Response): Promise<BatchAnswer> {
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: reported as text below
  }
  const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  if (res.status === 200 && typeof b.received === "number")
    return {
      ok: true,
      totals: {
        received: b.received,
        changed: count(b.changed),
        price_drops: count(b.price_drops),
        back_in_stock: count(b.back_in_stock),
      },
    };
  const issues = Array.isArray(b.issues)
    ? (b.issues as { path?: unknown; message?: unknown }[]).map((i) => ({
        path: String(i.path ?? ""),
        message: String(i.message ?? ""),
      }))
    : [];
  return { ok: false, status: res.status, reason: refusal(res.status, b.error, text), issues };
}

function refusal(status: number, error: unknown, text: string): string {
  if (status === 401) return "the worker refused the server key (401): use its NUDGE_SERVER_KEY";
  if (status === 404 && error === "unknown_site")
    return "unknown site: no config is stored for it (push one with `nudge push`)";
  if (status === 404) return "not found (404): is --url a Nudge worker with POST /v1/catalog?";
  if (status === 400) return `the worker rejected the batch (400 ${String(error ?? "")})`.trimEnd();
  return `unexpected answer (HTTP ${status}): ${text.slice(0, 300)}`;
}

const count = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);

function add(a: CatalogTotals, b: CatalogTotals): CatalogTotals {
  return {
    received: a.received + b.received,
    changed: a.changed + b.changed,
    price_drops: a.price_drops + b.price_drops,
    back_in_stock: a.back_in_stock + b.back_in_stock,
  };
}

/** `products[3].price` of a batch starting at `start` → index start+3, path `price`. */
function withIndex(issue: { path: string; message: string }, start: number) {
  const m = /^products\[(\d+)\]\.?(.*)$/.exec(issue.path);
  return m ? { index: start + Number(m[1]), path: m[2] ?? "", message: issue.message } : issue;
}

/** Without retry-after: 1 s, 2 s, 4 s, 8 s, 16 s. */
const backoffMs = (attempt: number) => 1000 * 2 ** attempt;

// ---- the command --------------------------------------------------------------------------------

export interface CatalogDeps {
  fetch: typeof fetch;
  env: Record<string, string | undefined>;
  readFile: (path: string) => Promise<string>;
  sleep: (ms: number) => Promise<void>;
}

const defaultDeps = (): CatalogDeps => ({
  fetch: globalThis.fetch,
  env: process.env,
  readFile: async (path) => (await import("node:fs/promises")).readFile(path, "utf8"),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
});

interface PushArgs {
  site: string;
  file: string;
  url: URL;
  key: string | undefined;
  batch: number;
  dryRun: boolean;
}

/** `catalog push …` arguments; anything wrong is a UsageError. The key is checked later. */
function pushArgs(args: string[], env: CatalogDeps["env"]): PushArgs {
  const { positional, opts } = parseArgs(args, FLAGS);
  const [site, file] = positional;
  if (positional.length !== 2 || !site || !file) throw new UsageError("SITE and FILE are required");
  if (!SITE_ID.test(site)) throw new UsageError(`"${site}" is not a valid site id`);
  const str = (k: keyof typeof FLAGS) => (typeof opts[k] === "string" ? opts[k] : undefined);
  const rawBatch = str("batch") ?? String(MAX_CATALOG_BATCH);
  const batch = /^\d+$/.test(rawBatch) ? Number(rawBatch) : NaN;
  if (!(batch >= 1 && batch <= MAX_CATALOG_BATCH))
    throw new UsageError(`--batch must be a whole number from 1 to ${MAX_CATALOG_BATCH}`);
  return {
    site,
    file,
    url: workerUrl("/v1/catalog", str("url"), env),
    key: str("key"),
    batch,
    dryRun: opts["dry-run"] === true,
  };
}

/** `nudge catalog SUBCOMMAND …` (only `push` for now). */
export async function runCatalog(
  args: string[],
  io: Io,
  deps: CatalogDeps = defaultDeps(),
): Promise<number> {
  const usage = (message: string) => {
    io.err(`nudge catalog: ${message}\n${CATALOG_USAGE}`);
    return 2;
  };
  const [sub, ...rest] = args;
  if (sub !== "push")
    return usage(sub === undefined ? "a subcommand is required" : `unknown subcommand "${sub}"`);
  let a: PushArgs;
  let key: string | undefined;
  try {
    a = pushArgs(rest, deps.env);
    if (!(a.dryRun && a.key === undefined && !deps.env.NUDGE_SERVER_KEY))
      key = serverKey(a.key, deps.env);
  } catch (err) {
    if (err instanceof UsageError) return usage(err.message);
    throw err;
  }
  let text: string;
  try {
    text = await deps.readFile(a.file);
  } catch (err) {
    io.err(`nudge catalog push: cannot read ${a.file}: ${fetchFailure(err)}`);
    return 1;
  }
  const parsed = parseCatalog(text, catalogFormatOf(a.file, text));
  if (parsed.errors.length) {
    printFileErrors(io, a.file, parsed);
    return 1;
  }
  const batches = Math.ceil(parsed.products.length / a.batch);
  if (a.dryRun || key === undefined) {
    io.out(
      `dry run: ${plural(parsed.products.length, "product")} in ${a.file} (${parsed.format}) are valid; ` +
        `nothing sent (${plural(batches, "batch", "batches")} to ${a.url.href} for site ${a.site})`,
    );
    return 0;
  }
  const result = await pushCatalog({
    url: a.url,
    key,
    site: a.site,
    products: parsed.products,
    batchSize: a.batch,
    fetch: deps.fetch,
    sleep: scaledSleep(deps),
    onBatch: (p) =>
      io.err(`catalog push: ${p.pushed}/${p.total} products (${p.batch}/${p.batches} batches)`),
    onRetry: (r) =>
      io.err(
        `catalog push: batch ${r.batch}/${batches}: ${r.reason}; retry ${r.attempt}/${MAX_RETRIES} in ${seconds(r.waitMs)}`,
      ),
  });
  if (result.ok) {
    io.out(
      `pushed ${plural(result.totals.received, "product")} to ${a.site}: ${summary(result.totals)}`,
    );
    return 0;
  }
  printRefusal(io, a, parsed, result);
  return 1;
}

function printFileErrors(io: Io, file: string, parsed: ParsedCatalog): void {
  const n = parsed.errors.length;
  io.err(
    `nudge catalog push: ${file} (${parsed.format}) has ${plural(n, "error")}; nothing was sent:`,
  );
  for (const e of parsed.errors.slice(0, MAX_PRINTED_ERRORS)) io.err(`  ${e}`);
  if (n > MAX_PRINTED_ERRORS) io.err(`  … and ${n - MAX_PRINTED_ERRORS} more`);
}

function printRefusal(
  io: Io,
  a: PushArgs,
  parsed: ParsedCatalog,
  r: Extract<PushResult, { ok: false }>,
): void {
  const last = Math.min(r.start + a.batch, parsed.products.length);
  io.err(
    `nudge catalog push: batch ${r.batch} (products ${r.start + 1}–${last}) to ${a.url.origin}: ${r.reason}`,
  );
  for (const i of r.issues) {
    const place = i.index === undefined ? undefined : parsed.places[i.index];
    io.err(
      `  ${place === undefined ? `${i.path}: ${i.message}` : at(parsed.format, place, i.path, i.message)}`,
    );
  }
  io.err(
    r.pushed === 0
      ? "nothing was pushed."
      : `${plural(r.pushed, "product")} of ${parsed.products.length} were pushed before it (${summary(r.totals)}); the rest were not.`,
  );
}

/** The sleep between retries, scaled by NUDGE_RETRY_SCALE (tests set it small). */
function scaledSleep(deps: CatalogDeps): (ms: number) => Promise<void> {
  const scale = Number(deps.env.NUDGE_RETRY_SCALE ?? "1");
  const s = Number.isFinite(scale) && scale >= 0 ? scale : 1;
  return (ms) => deps.sleep(ms * s);
}

function summary(t: CatalogTotals): string {
  return `${t.changed} changed, ${plural(t.price_drops, "price drop")}, ${t.back_in_stock} back in stock`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(3))} s`;
