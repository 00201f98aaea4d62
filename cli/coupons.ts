// `nudge coupons push SITE POOL FILE [--url URL] [--key KEY] [--dry-run]`: uploads a file of
// unique coupon codes to a pool through POST /v1/coupons, in batches of 1,000. FILE holds one
// code a line (blank lines and # comments skipped), or is a CSV whose header's first column is
// `code`. Every line is checked first (a bad code or a code repeated in the file is an error
// naming its lines), so a bad file sends nothing. Pushing again is safe: codes the pool already
// has are counted, not added twice.
// Exit codes: 0 ok, 1 failure (file, auth, unknown site, network), 2 usage or invalid file.
import { readFile } from "node:fs/promises";
import { SITE_ID } from "../worker/lib/ids.ts";
import {
  COUPON_CODE,
  MAX_CODES_PER_BATCH,
  POOL_NAME,
  type AddResult,
} from "../worker/offers/codes.ts";
import { fetchFailure, parseArgs, serverTarget, UsageError, type Io } from "./args.ts";

export const COUPONS_USAGE =
  "usage: nudge coupons push SITE POOL FILE [--url URL] [--key KEY] [--dry-run]\n" +
  "  FILE: one code a line (# comments and blank lines skipped), or a CSV with a header row\n" +
  "        whose first column is code\n" +
  "  key: --key or NUDGE_SERVER_KEY; url: --url, NUDGE_URL or http://127.0.0.1:8787";

const FLAGS = { url: "value", key: "value", "dry-run": "bool" } as const;
const TIMEOUT_MS = 30_000;
/** Problems listed before "… and N more". */
const SHOWN_PROBLEMS = 20;

export interface CouponsDeps {
  fetch: typeof fetch;
  env: Record<string, string | undefined>;
  readFile: (path: string) => Promise<string>;
}

const defaultDeps: CouponsDeps = {
  fetch: globalThis.fetch,
  env: process.env,
  readFile: (p) => readFile(p, "utf8"),
};

export type CodeFile = { ok: true; codes: string[] } | { ok: false; problems: string[] };

/** One CSV cell as written: surrounding quotes removed, doubled quotes undone. */
function firstCell(line: string): string {
  const quoted = /^"((?:[^"]|"")*)"(?:,|$)/.exec(line);
  if (quoted) return quoted[1]!.replaceAll('""', '"');
  const comma = line.indexOf(",");
  return (comma < 0 ? line : line.slice(0, comma)).trim();
}

/** The codes of a file, checked line by line (line numbers are 1-based, as editors show). */
export function parseCodeFile(text: string): CodeFile {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const problems: string[] = [];
  const seen = new Map<string, number>();
  const codes: string[] = [];
  let csv: boolean | null = null;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    if (csv === null) {
      // The first line decides: a header whose first column is `code` makes the file a CSV.
      csv = firstCell(line).toLowerCase() === "code";
      if (csv) return;
    }
    const code = csv ? firstCell(line) : line;
    const n = i + 1;
    if (!COUPON_CODE.test(code)) {
      problems.push(
        `line ${n}: ${JSON.stringify(code)} is not a code (1 to 64 printable characters, no spaces)`,
      );
      return;
    }
    const first = seen.get(code);
    if (first !== undefined) {
      problems.push(`line ${n}: ${JSON.stringify(code)} repeats line ${first}`);
      return;
    }
    seen.set(code, n);
    codes.push(code);
  });
  if (problems.length) return { ok: false, problems };
  if (codes.length === 0) return { ok: false, problems: ["the file has no codes"] };
  return { ok: true, codes };
}

/** Consecutive batches of at most `size`. */
export function batches<T>(items: readonly T[], size = MAX_CODES_PER_BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const plural = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

export async function runCoupons(
  args: string[],
  io: Io,
  deps: CouponsDeps = defaultDeps,
): Promise<number> {
  const usage = (message: string) => {
    io.err(`nudge coupons: ${message}\n${COUPONS_USAGE}`);
    return 2;
  };
  let positional: string[];
  let opts: Record<string, string | true>;
  try {
    ({ positional, opts } = parseArgs(args, FLAGS));
  } catch (err) {
    if (err instanceof UsageError) return usage(err.message);
    throw err;
  }
  const [sub, site, pool, file] = positional;
  if (sub !== "push") return usage(sub ? `unknown subcommand "${sub}"` : "push what?");
  if (positional.length !== 4 || !site || !pool || !file)
    return usage("push takes SITE, POOL and FILE");
  if (!SITE_ID.test(site)) return usage(`"${site}" is not a valid site id`);
  if (!POOL_NAME.test(pool))
    return usage(
      `"${pool}" is not a pool name (lowercase letters, digits and _, at most 32, starting with a letter)`,
    );
  let text: string;
  try {
    text = await deps.readFile(file);
  } catch (err) {
    io.err(`nudge coupons: cannot read ${file}: ${err instanceof Error ? err.message : err}`);
    return 1;
  }
  const parsed = parseCodeFile(text);
  if (!parsed.ok) {
    io.err(`nudge coupons: ${file} is not valid:`);
    for (const p of parsed.problems.slice(0, SHOWN_PROBLEMS)) io.err(`  ${p}`);
    if (parsed.problems.length > SHOWN_PROBLEMS)
      io.err(`  … and ${parsed.problems.length - SHOWN_PROBLEMS} more`);
    return 2;
  }
  const { codes } = parsed;
  if (opts["dry-run"] === true) {
    io.out(
      `${plural(codes.length, "code")} in ${file} are valid for pool ${pool} (dry run: nothing sent)`,
    );
    return 0;
  }
  const target = serverTarget(opts, deps.env, "/v1/coupons");
  if (!target.ok) return usage(target.problem);
  const { key, url } = target;

  let added = 0;
  let duplicates = 0;
  let last: AddResult | null = null;
  let sent = 0;
  for (const batch of batches(codes)) {
    let res: Response;
    try {
      res = await deps.fetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ site, pool, codes: batch }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      io.err(
        `nudge coupons: cannot reach ${url.origin} (${fetchFailure(err)}) after ${plural(sent, "code")}. Set --url or NUDGE_URL; pushing again is safe.`,
      );
      return 1;
    }
    const body = await res.text();
    if (res.status !== 200) {
      const hint =
        res.status === 401
          ? " (use the worker's NUDGE_SERVER_KEY)"
          : res.status === 404
            ? " (no config is stored for this site, or --url is not a Nudge worker)"
            : "";
      io.err(
        `nudge coupons: ${url.origin} answered ${res.status}${hint} after ${plural(sent, "code")}: ${body}`,
      );
      return 1;
    }
    last = JSON.parse(body) as AddResult;
    added += last.added;
    duplicates += last.duplicates;
    sent += batch.length;
    io.err(`pushed ${sent.toLocaleString("en-US")}/${codes.length.toLocaleString("en-US")} codes`);
  }
  const left = last ? last.available : 0;
  io.out(
    `added ${plural(added, "code")} to pool ${pool} (${duplicates.toLocaleString("en-US")} already there); ${left.toLocaleString("en-US")} left`,
  );
  return 0;
}
