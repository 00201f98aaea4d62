// `nudge init`: the guided first deploy. Creates (or finds) the KV namespace, records this
// deployment in the untracked .nudge/deploy.json, writes the untracked wrangler.deploy.toml,
// stores random NUDGE_SECRET, ADMIN_TOKEN and NUDGE_SERVER_KEY in the worker, puts a starter
// config for the first site, and prints the tag, the webhooks and what to do next. Running it
// again reuses what is recorded. Every Cloudflare call goes through wrangler (cli/wrangler.ts).
// Exit codes: 0 done, 1 failed, 2 usage. The steps on the Cloudflare account are in init-steps.ts.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import defaultConfig from "../templates/default-config.json" with { type: "json" };
import { parseSiteConfig, SiteConfigSchema } from "../worker/config/schema.ts";
import { SITE_ID } from "../worker/lib/ids.ts";
import { parseArgs, UsageError, type Io } from "./args.ts";
import {
  DEPLOY_CONFIG,
  deployToml,
  readState,
  STATE_DIR,
  TRACKED_CONFIG,
  WORKER_NAME,
  writeDeployConfig,
  writeState,
  type DeployState,
} from "./deploy-config.ts";
import { kvNamespace, putSiteConfig, storeSecrets } from "./init-steps.ts";
import { nextSteps } from "./next-steps.ts";
import { wranglerIn, type Wrangler } from "./wrangler.ts";

export const INIT_USAGE =
  "usage: nudge init [--site ID] [--origin URL]… [--from SENDER] [--address TEXT] [--name WORKER]\n" +
  "                  [--public-url URL] [--dir DIR] [--yes] [--force]";

const FLAGS = {
  yes: "bool",
  force: "bool",
  site: "value",
  origin: "list",
  from: "value",
  address: "value",
  name: "value",
  "public-url": "value",
  dir: "value",
} as const;

export interface InitDeps {
  env: Record<string, string | undefined>;
  /** True when a person can answer questions (stdin and stdout are terminals). */
  interactive: boolean;
  ask: (question: string) => Promise<string>;
  wrangler: (dir: string) => Wrangler;
  cwd: string;
}

export function defaultDeps(): InitDeps {
  return {
    env: process.env,
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    ask: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
    wrangler: (dir) => wranglerIn(dir, process.env),
    cwd: process.cwd(),
  };
}

/** What init asks for, with the flag each comes from. */
const QUESTIONS = [
  { key: "site", flag: "--site", ask: "Site id (lowercase, digits, - and _), e.g. shop: " },
  {
    key: "origins",
    flag: "--origin",
    ask: "Store origin(s), comma-separated, e.g. https://shop.example: ",
  },
  { key: "from", flag: "--from", ask: 'Sender, e.g. "Shop <hi@mail.shop.example>": ' },
  { key: "address", flag: "--address", ask: "Postal address for the email footer: " },
] as const;

interface Answers {
  site?: string | undefined;
  origins?: string | undefined;
  from?: string | undefined;
  address?: string | undefined;
}

/** Problems with the values, each naming its flag (empty: all fine). Pure. */
export function inputProblems(v: {
  site: string;
  origins: string[];
  from: string;
  address: string;
  name: string;
  publicUrl?: string | undefined;
}): string[] {
  const out: string[] = [];
  const shape = SiteConfigSchema.shape;
  if (!SITE_ID.test(v.site))
    out.push(`--site: "${v.site}" is not a site id (lowercase letters, digits, - and _)`);
  const origins = shape.origins.safeParse(v.origins);
  if (!origins.success) for (const i of origins.error.issues) out.push(`--origin: ${i.message}`);
  for (const o of v.origins)
    if (o.startsWith("http://") && !/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/.test(o))
      out.push(`--origin: "${o}" is not https (the tag needs a secure page)`);
  const from = shape.from.safeParse(v.from);
  if (!from.success) out.push(`--from: ${from.error.issues[0]?.message ?? "invalid"}`);
  if (v.address.trim() === "") out.push("--address: must not be empty (it goes in every footer)");
  if (!WORKER_NAME.test(v.name))
    out.push(
      `--name: "${v.name}" is not a worker name (lowercase letters, digits and -, up to 63)`,
    );
  if (v.publicUrl !== undefined) {
    let u: URL | null = null;
    try {
      u = new URL(v.publicUrl);
    } catch {
      /* reported below */
    }
    if (!u || u.protocol !== "https:" || u.origin !== v.publicUrl)
      out.push(
        `--public-url: "${v.publicUrl}" is not an https origin like https://nudge.shop.example`,
      );
  }
  return out;
}

/** The starter config of a site: the bundled default config with its own site, origins, sender
 * and address, less the example webhook step (its URL is an example host). Pure. */
export function starterConfig(v: {
  site: string;
  origins: string[];
  from: string;
  address: string;
}): Record<string, unknown> {
  return {
    ...defaultConfig,
    site: v.site,
    origins: v.origins,
    from: v.from,
    postalAddress: v.address,
    triggers: defaultConfig.triggers.filter((t) => !t.steps.some((s) => "webhook" in s)),
  };
}

const splitList = (s: string) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== "");

export async function runInit(args: string[], io: Io, deps = defaultDeps()): Promise<number> {
  const usage = (message: string) => {
    io.err(`nudge init: ${message}\n${INIT_USAGE}`);
    return 2;
  };
  let opts: Record<string, string | true>;
  try {
    const parsed = parseArgs(args, FLAGS);
    if (parsed.positional.length) return usage(`unexpected "${parsed.positional[0]}"`);
    opts = parsed.opts;
  } catch (err) {
    if (err instanceof UsageError) return usage(err.message);
    throw err;
  }
  const str = (k: keyof typeof FLAGS) => (typeof opts[k] === "string" ? opts[k] : undefined);
  const dir = resolve(deps.cwd, str("dir") ?? ".");
  if (!existsSync(join(dir, TRACKED_CONFIG)))
    return usage(`--dir: no ${TRACKED_CONFIG} in ${dir} (run init in the Nudge project folder)`);

  const state = readState(dir);
  const name = str("name") ?? state?.name ?? "nudge";
  if (state && str("name") && str("name") !== state.name)
    return usage(
      `--name: this folder is set up as worker "${state.name}" (${STATE_DIR}/deploy.json); ` +
        "remove that file to set up another worker",
    );

  const answers: Answers = {
    site: str("site") ?? state?.site,
    origins: str("origin") ?? state?.origins?.join(","),
    from: str("from") ?? state?.from,
    address: str("address") ?? state?.address,
  };
  const ask = deps.interactive && !opts.yes;
  for (const q of QUESTIONS) {
    if (answers[q.key] !== undefined || !ask) continue;
    const a = (await deps.ask(q.ask)).trim();
    if (a !== "") answers[q.key] = a;
  }
  const missing = QUESTIONS.filter((q) => answers[q.key] === undefined).map((q) => q.flag);
  if (missing.length) return usage(`missing ${missing.join(", ")}`);
  const values = {
    site: answers.site!,
    origins: splitList(answers.origins!),
    from: answers.from!,
    address: answers.address!,
    name,
    publicUrl: str("public-url") ?? state?.publicUrl,
  };
  const problems = inputProblems(values);
  if (problems.length) return usage(problems.join("\n"));

  // Everything below changes something: check what can be checked first.
  const config = starterConfig(values);
  const parsed = parseSiteConfig(config);
  if (!parsed.ok) {
    io.err(`nudge init: the starter config does not validate:\n  ${parsed.errors.join("\n  ")}`);
    return 1;
  }
  const template = readFileSync(join(dir, TRACKED_CONFIG), "utf8");
  deployToml(template, { name, kvNamespaceId: "0".repeat(32), publicUrl: values.publicUrl });

  if (ask) {
    io.out(
      `\nAbout to set up worker "${name}" for site "${values.site}": a KV namespace, three random\n` +
        "secrets and a starter site config, in the Cloudflare account wrangler is logged into.",
    );
    const go = (await deps.ask("Go ahead? [Y/n] ")).trim().toLowerCase();
    if (go !== "" && go !== "y" && go !== "yes") {
      io.err("nothing changed");
      return 1;
    }
  }

  const wrangler = deps.wrangler(dir);
  const next: DeployState = {
    ...(state ?? { version: 1, secrets: [] }),
    version: 1,
    name,
    site: values.site,
    origins: values.origins,
    from: values.from,
    address: values.address,
    ...(values.publicUrl !== undefined ? { publicUrl: values.publicUrl } : {}),
  };

  // 1. The KV namespace.
  const kv = await kvNamespace(wrangler, name, state?.kvNamespaceId);
  if (!kv.ok) {
    io.err(`nudge init: ${kv.problem}`);
    return 1;
  }
  next.kvNamespaceId = kv.id;
  writeState(dir, next);
  writeDeployConfig(dir, next);
  io.out(`${kv.created ? "created" : "using"} KV namespace ${kv.title} (${kv.id})`);
  io.out(`wrote ${STATE_DIR}/deploy.json and ${DEPLOY_CONFIG} (both untracked)`);

  // 2. The secrets.
  const secrets = await storeSecrets(wrangler, name, next.secrets);
  if (!secrets.ok) {
    io.err(`nudge init: ${secrets.problem}`);
    return 1;
  }
  next.secrets = secrets.names;
  writeState(dir, next);

  // 3. The site's starter config.
  const siteFile = join(STATE_DIR, `site-${values.site}.json`);
  writeFileSync(join(dir, siteFile), `${JSON.stringify(config, null, 2)}\n`);
  const put = await putSiteConfig(wrangler, kv.id, values.site, siteFile, opts.force === true);
  if (!put.ok) {
    io.err(`nudge init: ${put.problem}`);
    return 1;
  }
  io.out(
    put.written
      ? `put the starter config of site "${values.site}" (${siteFile}) in KV as site:${values.site}`
      : `site:${values.site} is already in KV: kept (--force replaces it with ${siteFile})`,
  );

  if (secrets.made.ADMIN_TOKEN || secrets.made.NUDGE_SERVER_KEY) {
    io.out("\nStore these now (a password manager): they are not shown again and not saved here.");
    if (secrets.made.ADMIN_TOKEN) io.out(`  ADMIN_TOKEN       ${secrets.made.ADMIN_TOKEN}`);
    if (secrets.made.NUDGE_SERVER_KEY)
      io.out(`  NUDGE_SERVER_KEY  ${secrets.made.NUDGE_SERVER_KEY}`);
  } else {
    io.out("secrets NUDGE_SECRET, ADMIN_TOKEN and NUDGE_SERVER_KEY are already set: kept");
  }
  for (const line of nextSteps(next)) io.out(line);
  return 0;
}
