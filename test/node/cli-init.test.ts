// `nudge init` and `nudge deploy` against the real wrangler, pointed at a fake Cloudflare API on
// 127.0.0.1 (test/support/fake-cloudflare.ts), in a temporary copy of the project: what init
// creates, that a second run reuses it, that the tracked wrangler.toml is never touched, that
// the generated deploy config passes `wrangler deploy --dry-run`, and that bad input changes
// nothing.
import { execFile } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDeploy } from "../../cli/deploy.ts";
import { runInit, type InitDeps } from "../../cli/init.ts";
import { SECRET_MIN_LENGTH } from "../../cli/init-steps.ts";
import { wranglerIn } from "../../cli/wrangler.ts";
import { parseSiteConfig } from "../../worker/config/schema.ts";
import { startFakeCloudflare, type FakeCloudflare } from "../support/fake-cloudflare.ts";
import { captureIo } from "../support/io.ts";

const root = join(import.meta.dirname, "../..");
const PROJECT = [
  "wrangler.toml",
  "package.json",
  "tsconfig.json",
  "worker",
  "snippet",
  "scripts",
  "templates",
];

let cf: FakeCloudflare;
const dirs: string[] = [];
beforeAll(async () => {
  cf = await startFakeCloudflare();
});
afterAll(async () => {
  await cf.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh copy of the project's deployable files, with node_modules linked. */
function project(): string {
  const dir = mkdtempSync(join(tmpdir(), "nudge-init-"));
  dirs.push(dir);
  for (const f of PROJECT) cpSync(join(root, f), join(dir, f), { recursive: true });
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
  return dir;
}

function deps(dir: string): InitDeps {
  const env = {
    ...process.env,
    CLOUDFLARE_API_BASE_URL: cf.url,
    CLOUDFLARE_API_TOKEN: "fake-api-token",
    CLOUDFLARE_ACCOUNT_ID: cf.accountId,
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_HIDE_BANNER: "true",
  };
  return {
    env,
    interactive: false,
    ask: () => Promise.reject(new Error("init asked a question")),
    wrangler: (d) => wranglerIn(d, env),
    cwd: dir,
  };
}

/** `npx nudge …` as a separate process in `dir`, with wrangler pointed at the fake. */
function runNudge(dir: string, ...args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(root, "bin/nudge.mjs"), ...args],
      { cwd: dir, env: deps(dir).env, timeout: 120_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number(err.code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

async function init(dir: string, ...args: string[]) {
  const { out, err, io } = captureIo();
  const code = await runInit(args, io, deps(dir));
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const FLAGS = [
  "--yes",
  "--site",
  "shop",
  "--origin",
  "https://shop.example",
  "--origin",
  "https://www.shop.example",
  "--from",
  "Shop <hi@mail.shop.example>",
  "--address",
  "1 Example Street, Springfield",
];

const count = (method: string, path: RegExp) =>
  cf.requests.filter((r) => r.method === method && path.test(r.path)).length;

/** Every file under `dir` (node_modules left out), for a search for a secret's value. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !join(e.parentPath, e.name).includes("node_modules"))
    .map((e) => join(e.parentPath, e.name));
}

describe("nudge init", () => {
  it("creates the namespace, secrets and site config once, keeps wrangler.toml, and deploys", async () => {
    const dir = project();
    const tracked = readFileSync(join(dir, "wrangler.toml"));

    const first = await init(dir, ...FLAGS);
    expect(first.err).toBe("");
    expect(first.code).toBe(0);
    expect(cf.unknown).toEqual([]);

    // One namespace, created once.
    expect(count("POST", /\/storage\/kv\/namespaces$/)).toBe(1);
    const [ns] = [...cf.namespaces.values()];
    expect(ns?.title).toBe("nudge-NUDGE_CONFIG");
    const id = ns!.id;

    // Three random secrets, long enough, all different, stored through wrangler.
    const secrets = cf.workers.get("nudge")?.secrets;
    expect([...(secrets?.keys() ?? [])].sort()).toEqual([
      "ADMIN_TOKEN",
      "NUDGE_SECRET",
      "NUDGE_SERVER_KEY",
    ]);
    const values = [...secrets!.values()];
    for (const v of values) expect(v.length).toBeGreaterThanOrEqual(SECRET_MIN_LENGTH);
    expect(new Set(values).size).toBe(3);
    // The operator is shown the admin token and server key once; NUDGE_SECRET never.
    expect(first.out).toContain(secrets!.get("ADMIN_TOKEN"));
    expect(first.out).toContain(secrets!.get("NUDGE_SERVER_KEY"));
    expect(first.out).not.toContain(secrets!.get("NUDGE_SECRET"));
    expect(first.out).toMatch(/Store these now/);
    // No secret's value is left in any file.
    for (const f of filesUnder(dir)) {
      const text = readFileSync(f, "utf8");
      for (const v of values) expect(text.includes(v), f).toBe(false);
    }

    // The starter config is in KV and validates with the worker's schema.
    const stored = parseSiteConfig(JSON.parse(ns!.values.get("site:shop") ?? "null"));
    expect(stored.ok).toBe(true);
    if (stored.ok) {
      expect(stored.config.site).toBe("shop");
      expect(stored.config.origins).toEqual(["https://shop.example", "https://www.shop.example"]);
      expect(stored.config.from).toBe("Shop <hi@mail.shop.example>");
    }

    // The ids live in the untracked files only.
    expect(readFileSync(join(dir, "wrangler.toml")).equals(tracked)).toBe(true);
    const deployToml = readFileSync(join(dir, "wrangler.deploy.toml"), "utf8");
    expect(deployToml).toContain(`id = "${id}"`);
    expect(deployToml).not.toContain('id = "00000000000000000000000000000000"');
    const state = JSON.parse(readFileSync(join(dir, ".nudge/deploy.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(state).toMatchObject({ name: "nudge", kvNamespaceId: id, site: "shop" });

    // What to do next: the tag, the webhooks, the commands.
    expect(first.out).toContain('/nudge.js" data-site="shop"></script>');
    expect(first.out).toContain("/webhooks/resend");
    expect(first.out).toContain("/webhooks/shopify/shop");
    expect(first.out).toContain("npx nudge deploy");
    expect(first.out).toContain("wrangler secret put RESEND_WEBHOOK_SECRET");

    // Again, with no flags: everything comes from the state, nothing is created or replaced.
    const before = cf.requests.length;
    const second = await init(dir);
    expect(second.err).toBe("");
    expect(second.code).toBe(0);
    const again = cf.requests.slice(before);
    expect(again.filter((r) => r.method !== "GET")).toEqual([]);
    expect(cf.namespaces.size).toBe(1);
    expect([...cf.workers.get("nudge")!.secrets.values()]).toEqual(values);
    expect(second.out).toMatch(/already set: kept/);
    expect(second.out).toMatch(/site:shop is already in KV: kept/);

    // nudge push writes to the recorded namespace (not wrangler.toml's placeholder id).
    const edited = {
      ...JSON.parse(readFileSync(join(dir, ".nudge/site-shop.json"), "utf8")),
      dailyLimit: 5,
    };
    writeFileSync(join(dir, "edited.json"), JSON.stringify(edited));
    const push = await runNudge(dir, "push", "edited.json");
    expect(push.code, push.output).toBe(0);
    expect(JSON.parse(ns!.values.get("site:shop") ?? "null")).toMatchObject({ dailyLimit: 5 });

    // The deploy config deploys (dry run: wrangler bundles the worker, uploads nothing).
    const { out, err, io } = captureIo();
    const code = await runDeploy(["--dry-run", "--outdir", join(dir, "out")], io, deps(dir));
    expect(err.join("\n")).not.toMatch(/ERROR/);
    expect(code, out.join("\n")).toBe(0);
    expect(existsSync(join(dir, "out/index.js"))).toBe(true);
    expect(readFileSync(join(dir, "wrangler.toml")).equals(tracked)).toBe(true);
  }, 240_000);

  it("refuses bad or missing values with exit 2, naming the flag, and changes nothing", async () => {
    const dir = project();
    const before = cf.requests.length;
    const cases: [string[], RegExp][] = [
      [
        FLAGS.map((a) => (a === "https://shop.example" ? "shop.example" : a)),
        /--origin: "shop\.example"/,
      ],
      [FLAGS.map((a) => (a === "shop" ? "My Shop" : a)), /--site: "My Shop" is not a site id/],
      [
        FLAGS.map((a) => (a === "https://shop.example" ? "http://shop.example" : a)),
        /--origin: .* not https/,
      ],
      [[...FLAGS, "--name", "Nudge_Worker"], /--name: "Nudge_Worker"/],
      [[...FLAGS, "--public-url", "https://nudge.shop.example/x"], /--public-url/],
      [["--site", "shop"], /missing --origin, --from, --address/],
      [["--yes"], /missing --site, --origin, --from, --address/],
    ];
    for (const [args, message] of cases) {
      const r = await init(dir, ...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err).toMatch(message);
    }
    expect(cf.requests.length).toBe(before);
    expect(existsSync(join(dir, ".nudge"))).toBe(false);
    expect(existsSync(join(dir, "wrangler.deploy.toml"))).toBe(false);
  });

  it("asks a person for what is missing, and stops with nothing changed when told no", async () => {
    const dir = project();
    const before = cf.requests.length;
    const run = async (answers: string[]) => {
      const asked: string[] = [];
      const { out, err, io } = captureIo();
      const code = await runInit([], io, {
        ...deps(dir),
        interactive: true,
        ask: (q) => (asked.push(q), Promise.resolve(answers.shift() ?? "")),
      });
      return { code, asked, out: out.join("\n"), err: err.join("\n") };
    };
    const no = await run([
      "shop",
      "https://shop.example",
      "Shop <hi@mail.shop.example>",
      "1 Main St",
      "n",
    ]);
    expect(no.asked.map((q) => q.split(" ")[0])).toEqual([
      "Site",
      "Store",
      "Sender,",
      "Postal",
      "Go",
    ]);
    expect(no.out).toContain('worker "nudge" for site "shop"');
    expect(no).toMatchObject({ code: 1, err: "nothing changed" });
    const bad = await run([
      "shop",
      "ftp://shop.example",
      "Shop <hi@mail.shop.example>",
      "1 Main St",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--origin: "ftp:\/\/shop\.example"/);
    expect(cf.requests.length).toBe(before);
    expect(existsSync(join(dir, ".nudge"))).toBe(false);
  });

  it("nudge deploy without a recorded deployment says to run init", async () => {
    const dir = project();
    const { err, io } = captureIo();
    expect(await runDeploy(["--dry-run"], io, deps(dir))).toBe(1);
    expect(err.join("\n")).toMatch(/run npx nudge init first/);
  });
});
