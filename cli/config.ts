// `nudge validate | push | pull`: site configs on disk and in KV (through wrangler, so the same
// credentials and local persistence as `wrangler dev` apply).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { TEMPLATES } from "../templates/bundle.ts";
import { configWarnings } from "../worker/config/lint.ts";
import { parseSiteConfig, type SiteConfig } from "../worker/config/schema.ts";
import { parseArgs, UsageError, type Io } from "./args.ts";
import { jsonProblem } from "./json-problem.ts";
import { readState } from "./deploy-config.ts";
import { SITE_ID } from "../worker/lib/ids.ts";

/** The config in `file`, checked; its problems (and warnings) printed. Null when unusable. */
export function loadConfigFile(file: string, io: Io): SiteConfig | null {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    io.err(`${file}: cannot read the file`);
    return null;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    io.err(`${file}: ${jsonProblem(text, err)}`);
    return null;
  }
  const r = parseSiteConfig(json);
  if (!r.ok) {
    io.err(`${file}: ${r.errors.length} problem${r.errors.length === 1 ? "" : "s"}`);
    for (const e of r.errors) io.err(`  ${e}`);
    return null;
  }
  for (const w of [...configWarnings(r.config), ...templateWarnings(r.config)])
    io.err(`${file}: warning: ${w}`);
  return r.config;
}

function readConfig(file: string | undefined, io: Io): { ok: boolean; site?: string } {
  if (!file) throw new UsageError("a config FILE is required");
  const config = loadConfigFile(file, io);
  return config ? { ok: true, site: config.site } : { ok: false };
}

/** Steps naming a template Nudge does not bundle: fine only with a KV override in place. */
export function templateWarnings(config: SiteConfig): string[] {
  const out: string[] = [];
  config.triggers.forEach((t, i) =>
    t.steps.forEach((s, j) => {
      const names = [s.template, ...(s.variants ?? []).map((v) => v.template)];
      for (const name of names) {
        if (name && TEMPLATES[`${name}.html`] === undefined) {
          out.push(
            `triggers[${i}].steps[${j}] uses template "${name}", which is not bundled: ` +
              `put it in KV at template:${config.site}:${name} or the step will fail`,
          );
        }
      }
    }),
  );
  return out;
}

const usage = (fn: () => Promise<number>, io: Io) =>
  fn().catch((err: unknown) => {
    if (err instanceof UsageError) {
      io.err(`nudge: ${err.message}`);
      return 2;
    }
    throw err;
  });

export function runValidate(args: string[], io: Io): Promise<number> {
  return usage(async () => {
    const { positional } = parseArgs(args, {});
    const r = readConfig(positional[0], io);
    if (r.ok) io.out(`${positional[0]}: valid config for site "${r.site}"`);
    return r.ok ? 0 : 1;
  }, io);
}

/** The deployed namespace: the one `nudge init` recorded, else wrangler.toml's binding. Local
 * KV is always wrangler.toml's. */
function kvArgs(opts: Record<string, string | true>): string[] {
  const recorded = opts.local ? undefined : readState(process.cwd())?.kvNamespaceId;
  const a = recorded ? ["--namespace-id", recorded] : ["--binding", "NUDGE_CONFIG"];
  if (opts.local) a.push("--local");
  else a.push("--remote");
  if (typeof opts["persist-to"] === "string") a.push("--persist-to", opts["persist-to"]);
  return a;
}

export function runPush(args: string[], io: Io): Promise<number> {
  return usage(async () => {
    const { positional, opts } = parseArgs(args, { local: "bool", "persist-to": "value" });
    const file = positional[0];
    const r = readConfig(file, io);
    if (!r.ok || !file) return 1;
    const res = spawnSync(
      "npx",
      ["wrangler", "kv", "key", "put", `site:${r.site}`, "--path", file, ...kvArgs(opts)],
      { encoding: "utf8" },
    );
    if (res.status !== 0) {
      io.err(`wrangler kv key put failed:\n${res.stderr || res.stdout}`);
      return 1;
    }
    io.out(`pushed site:${r.site}${opts.local ? " (local)" : ""}; workers pick it up within 30 s`);
    return 0;
  }, io);
}

export function runPull(args: string[], io: Io): Promise<number> {
  return usage(async () => {
    const { positional, opts } = parseArgs(args, { local: "bool", "persist-to": "value" });
    const site = positional[0];
    if (!site || !SITE_ID.test(site)) throw new UsageError("a SITE id is required");
    const res = spawnSync(
      "npx",
      ["wrangler", "kv", "key", "get", `site:${site}`, ...kvArgs(opts)],
      {
        encoding: "utf8",
      },
    );
    if (res.status !== 0 || res.stdout.trim() === "Value not found") {
      io.err(`no config stored for site "${site}"`);
      return 1;
    }
    io.out(res.stdout.trim());
    return 0;
  }, io);
}
