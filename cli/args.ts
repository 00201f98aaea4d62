// What every CLI command shares: the output seam (so tests capture it), `--flag value` parsing,
// the usage error that makes `nudge` exit with 2, and where the worker is and which server key
// or admin token it takes. Imported by main.ts and each command.

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

/**
 * Splits `--flag value` options from positionals; unknown flags are a usage error. A "list" flag
 * may be repeated: its values are joined with commas.
 */
export function parseArgs(
  args: string[],
  flags: Record<string, "bool" | "value" | "list">,
): { positional: string[]; opts: Record<string, string | true> } {
  const positional: string[] = [];
  const opts: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("--")) {
      positional.push(a);
      continue;
    }
    const name = a.slice(2);
    const kind = flags[name];
    if (!kind) throw new UsageError(`unknown option --${name}`);
    if (kind === "bool") opts[name] = true;
    else {
      const v = args[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`--${name} needs a value`);
      const before = opts[name];
      opts[name] = kind === "list" && typeof before === "string" ? `${before},${v}` : v;
    }
  }
  return { positional, opts };
}

export class UsageError extends Error {}

/** Why a fetch failed, in a few words (undici puts the socket error in `cause`). */
export function fetchFailure(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause instanceof Error ? err.cause.message : err.message;
}

/** Where the CLI finds the worker when neither --url nor NUDGE_URL says. */
export const DEFAULT_URL = "http://127.0.0.1:8787";

/** `path` on the worker: --url, else NUDGE_URL, else DEFAULT_URL; not a URL is a usage error. */
export function workerUrl(
  path: string,
  url: string | undefined,
  env: Record<string, string | undefined>,
): URL {
  const base = url ?? env.NUDGE_URL ?? DEFAULT_URL;
  try {
    return new URL(path, base);
  } catch {
    throw new UsageError(`--url "${base}" is not a URL`);
  }
}

/** The server key (Bearer for /v1/*): --key, else NUDGE_SERVER_KEY; none is a usage error. */
export function serverKey(
  key: string | undefined,
  env: Record<string, string | undefined>,
): string {
  const k = key ?? env.NUDGE_SERVER_KEY;
  if (!k) throw new UsageError("no server key: set NUDGE_SERVER_KEY or pass --key");
  return k;
}

/**
 * Where and with which key a command calls the store's server API (POST /v1/events,
 * POST /v1/coupons): --key or NUDGE_SERVER_KEY; --url, NUDGE_URL or the local worker. A
 * `problem` is a usage error.
 */
export function serverTarget(
  opts: { key?: string | true; url?: string | true },
  env: Record<string, string | undefined>,
  path: string,
): { ok: true; key: string; url: URL } | { ok: false; problem: string } {
  const given = (v: string | true | undefined) => (typeof v === "string" ? v : undefined);
  try {
    return {
      ok: true,
      key: serverKey(given(opts.key), env),
      url: workerUrl(path, given(opts.url), env),
    };
  } catch (err) {
    if (err instanceof UsageError) return { ok: false, problem: err.message };
    throw err;
  }
}

/**
 * Where and with which token a command calls the admin API (/admin/api/*): --token or
 * NUDGE_ADMIN_TOKEN; --url, NUDGE_URL or the local worker. A `problem` is a usage error.
 */
export function adminTarget(
  opts: { token?: string | true; url?: string | true },
  env: Record<string, string | undefined>,
  path: string,
): { ok: true; token: string; url: URL } | { ok: false; problem: string } {
  const given = (v: string | true | undefined) => (typeof v === "string" ? v : undefined);
  const token = given(opts.token) ?? env.NUDGE_ADMIN_TOKEN;
  if (!token)
    return { ok: false, problem: "no admin token: set NUDGE_ADMIN_TOKEN or pass --token" };
  try {
    return { ok: true, token, url: workerUrl(path, given(opts.url), env) };
  } catch (err) {
    if (err instanceof UsageError) return { ok: false, problem: err.message };
    throw err;
  }
}

/** A response's JSON body, or null when it has none. */
export async function readJson(res: Response): Promise<unknown> {
  try {
    return await res.json();
  } catch {
    return null;
  }
}
