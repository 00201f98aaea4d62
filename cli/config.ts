// `nudge validate | push | pull`: site configs on disk and in KV (through wrangler, so the same
// credentials and local persistence as `wrangler dev` apply).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configWarnings } from "../worker/config/lint.ts";
import { parseSiteConfig, type SiteConfig } from "../worker/config/schema.ts";
import { parseArgs, UsageError, type Io } from "./args.ts";
import { jsonProblem } from "./json-problem.ts";
import { readState } from "./deploy-config.ts";
import { SITE_ID } from "../worker/lib/ids.ts";
import { checkTemplates, overrideNames, readOverrides } from "./template-check.ts";

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
  for (const w of configWarnings(r.config)) io.err(`${file}: warning: ${w}`);
  return r.config;
}

/**
 * The config in `file` and the templates it uses (from `templatesDir` when given, else the
 * bundle), checked; problems and warnings printed. With a directory, also its override sources.
 */
async function readConfig(
  file: string | undefined,
  templatesDir: string | undefined,
  io: Io,
): Promise<{ config: SiteConfig; overrides: Record<string, string> } | null> {
  if (!file) throw new UsageError("a config FILE is required");
  const config = loadConfigFile(file, io);
  if (!config) return null;
  let overrides: Record<string, string> | null = null;
  if (templatesDir !== undefined) {
    let read: Awaited<ReturnType<typeof readOverrides>>;
    try {
      read = await readOverrides(templatesDir);
    } catch {
      throw new UsageError(`--templates ${templatesDir}: cannot read the directory`);
    }
    overrides = read.sources;
    for (const f of read.ignored)
      io.err(
        `${templatesDir}: warning: ${f} ignored: ` +
          (f.startsWith("_")
            ? "partials are shared by every site and cannot be overridden"
            : "a template override is NAME.html.liquid (and optionally NAME.txt.liquid)"),
      );
  }
  const report = await checkTemplates(config, overrides);
  for (const w of report.warnings) io.err(`${file}: warning: ${w}`);
  if (report.errors.length) {
    const n = report.errors.length;
    io.err(`${file}: ${n} template problem${n === 1 ? "" : "s"}`);
    for (const e of report.errors) io.err(`  ${e}`);
    return null;
  }
  return { config, overrides: overrides ?? {} };
}

/** Usage lines of each command here, printed after a usage error. */
const USAGES = {
  validate: "usage: nudge validate FILE [--templates DIR]",
  push: "usage: nudge push FILE [--templates DIR] [--local] [--persist-to DIR]",
  pull: "usage: nudge pull SITE [--local] [--persist-to DIR]",
};

const usage = (command: keyof typeof USAGES, fn: () => Promise<number>, io: Io) =>
  fn().catch((err: unknown) => {
    if (err instanceof UsageError) {
      io.err(`nudge ${command}: ${err.message}\n${USAGES[command]}`);
      return 2;
    }
    throw err;
  });

const dirOpt = (v: string | true | undefined) => (typeof v === "string" ? v : undefined);

export function runValidate(args: string[], io: Io): Promise<number> {
  return usage(
    "validate",
    async () => {
      const { positional, opts } = parseArgs(args, { templates: "value" });
      const r = await readConfig(positional[0], dirOpt(opts.templates), io);
      if (!r) return 1;
      const n = overrideNames(r.overrides).length;
      io.out(
        `${positional[0]}: valid config for site "${r.config.site}"` +
          (n ? ` (${n} template override${n === 1 ? "" : "s"} checked)` : ""),
      );
      return 0;
    },
    io,
  );
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

/** `wrangler kv key put KEY --path FILE …`: its error output when it failed, else null. */
function kvPut(key: string, path: string, opts: Record<string, string | true>): string | null {
  const args = ["wrangler", "kv", "key", "put", key, "--path", path, ...kvArgs(opts)];
  const res = spawnSync("npx", args, { encoding: "utf8" });
  return res.status === 0 ? null : res.stderr || res.stdout;
}

/** Writes each override in `overrides` as `template:<site>:NAME`; false (said why) on failure. */
function pushTemplates(
  site: string,
  overrides: Record<string, string>,
  opts: Record<string, string | true>,
  io: Io,
): boolean {
  const names = overrideNames(overrides);
  if (!names.length) return true;
  const tmp = mkdtempSync(join(tmpdir(), "nudge-templates-"));
  try {
    for (const name of names) {
      const text = overrides[`${name}.txt`];
      const value = { html: overrides[`${name}.html`], ...(text !== undefined ? { text } : {}) };
      const path = join(tmp, `${name}.json`);
      writeFileSync(path, JSON.stringify(value));
      const failed = kvPut(`template:${site}:${name}`, path, opts);
      if (failed) {
        io.err(`nudge push: wrangler kv key put template:${site}:${name} failed:\n${failed}`);
        return false;
      }
      io.out(`pushed template:${site}:${name}${opts.local ? " (local)" : ""}`);
    }
    return true;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function runPush(args: string[], io: Io): Promise<number> {
  return usage(
    "push",
    async () => {
      const { positional, opts } = parseArgs(args, {
        local: "bool",
        "persist-to": "value",
        templates: "value",
      });
      const file = positional[0];
      const r = await readConfig(file, dirOpt(opts.templates), io);
      if (!r || !file) return 1;
      const site = r.config.site;
      // Templates first: a config naming a new template never goes live before the template.
      if (!pushTemplates(site, r.overrides, opts, io)) return 1;
      const failed = kvPut(`site:${site}`, file, opts);
      if (failed) {
        io.err(`nudge push: wrangler kv key put failed:\n${failed}`);
        return 1;
      }
      io.out(`pushed site:${site}${opts.local ? " (local)" : ""}; workers pick it up within 30 s`);
      return 0;
    },
    io,
  );
}

export function runPull(args: string[], io: Io): Promise<number> {
  return usage(
    "pull",
    async () => {
      const { positional, opts } = parseArgs(args, { local: "bool", "persist-to": "value" });
      const site = positional[0];
      if (!site) throw new UsageError("a SITE id is required");
      if (!SITE_ID.test(site)) throw new UsageError(`"${site}" is not a valid site id`);
      const res = spawnSync(
        "npx",
        ["wrangler", "kv", "key", "get", `site:${site}`, ...kvArgs(opts)],
        {
          encoding: "utf8",
        },
      );
      if (res.status !== 0 || res.stdout.trim() === "Value not found") {
        io.err(`nudge pull: no config stored for site "${site}"`);
        return 1;
      }
      io.out(res.stdout.trim());
      return 0;
    },
    io,
  );
}
