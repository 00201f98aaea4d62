// `nudge stats SITE [--from DAY] [--to DAY] [--url URL] [--token TOKEN] [--json]`: fetches
// GET /admin/api/stats from a running worker and prints it as tables (cli/stats-format.ts).
// Exit codes: 0 ok, 1 failure (auth, unknown site, network), 2 usage.
import type { Report } from "../worker/stats/report.ts";
import { adminTarget, fetchFailure, parseArgs, readJson, UsageError, type Io } from "./args.ts";
import { formatReport } from "./stats-format.ts";
import { SITE_ID } from "../worker/lib/ids.ts";

export const STATS_USAGE =
  "usage: nudge stats SITE [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--url URL] [--token TOKEN] [--json]\n" +
  "  token: --token or NUDGE_ADMIN_TOKEN; url: --url, NUDGE_URL or http://127.0.0.1:8787";

const FLAGS = { url: "value", token: "value", from: "value", to: "value", json: "bool" } as const;
const TIMEOUT_MS = 20_000;

export interface StatsDeps {
  fetch: typeof fetch;
  env: Record<string, string | undefined>;
}

/** Just enough shape checking to print the report safely. */
function isReport(x: unknown): x is Report {
  if (typeof x !== "object" || x === null) return false;
  const r = x as Record<string, unknown>;
  return (
    typeof r.site === "string" &&
    typeof r.from === "string" &&
    typeof r.to === "string" &&
    Array.isArray(r.triggers) &&
    typeof r.totals === "object" &&
    typeof r.suppression === "object" &&
    Array.isArray(r.recentFailures)
  );
}

function issuesOf(body: unknown): string[] {
  if (
    typeof body !== "object" ||
    body === null ||
    !("issues" in body) ||
    !Array.isArray(body.issues)
  )
    return [];
  return body.issues.map(
    (i: { path?: unknown; message?: unknown }) => `${String(i.path)}: ${String(i.message)}`,
  );
}

export async function runStats(
  args: string[],
  io: Io,
  deps: StatsDeps = { fetch: globalThis.fetch, env: process.env },
): Promise<number> {
  let site: string;
  let opts: Record<string, string | true>;
  try {
    const parsed = parseArgs(args, FLAGS);
    opts = parsed.opts;
    if (parsed.positional.length !== 1 || !parsed.positional[0])
      throw new UsageError("one SITE id is required");
    site = parsed.positional[0];
    if (!SITE_ID.test(site)) throw new UsageError(`"${site}" is not a valid site id`);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`nudge stats: ${err.message}\n${STATS_USAGE}`);
    return 2;
  }
  const str = (k: keyof typeof FLAGS) => (typeof opts[k] === "string" ? opts[k] : undefined);
  const target = adminTarget(opts, deps.env, "/admin/api/stats");
  if (!target.ok) {
    io.err(`nudge stats: ${target.problem}\n${STATS_USAGE}`);
    return 2;
  }
  const { token, url } = target;
  url.searchParams.set("site", site);
  for (const k of ["from", "to"] as const) {
    const v = str(k);
    if (v) url.searchParams.set(k, v);
  }

  let res: Response;
  try {
    res = await deps.fetch(url, {
      headers: { authorization: `Bearer ${token}`, accept: "application/json" },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    const cause = fetchFailure(err);
    io.err(
      `nudge stats: cannot reach ${url.origin} (${cause}). Is the worker running? Set --url or NUDGE_URL.`,
    );
    return 1;
  }
  const body = await readJson(res);
  if (res.status === 401) {
    io.err(
      `nudge stats: ${url.origin} refused the admin token (401). Use the worker's ADMIN_TOKEN.`,
    );
    return 1;
  }
  if (res.status === 404) {
    const unknown =
      typeof body === "object" && body !== null && "error" in body && body.error === "unknown_site";
    io.err(
      unknown
        ? `nudge stats: unknown site "${site}": no config is stored for it (push one with \`nudge push\`).`
        : `nudge stats: ${url.href} not found (404). Is --url a Nudge worker?`,
    );
    return 1;
  }
  if (res.status === 400) {
    io.err(`nudge stats: the worker rejected the query:`);
    for (const line of issuesOf(body)) io.err(`  ${line}`);
    return 2;
  }
  if (!res.ok || !isReport(body)) {
    io.err(`nudge stats: unexpected response from ${url.origin} (HTTP ${res.status})`);
    return 1;
  }
  if (opts.json) io.out(JSON.stringify(body, null, 2));
  else for (const line of formatReport(body)) io.out(line);
  return 0;
}

/** `nudge stats …` with the process's stdout, stderr and environment. */
export function stats(args: string[]): Promise<number> {
  return runStats(args, {
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${l}\n`),
  });
}
