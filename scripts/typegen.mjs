// worker/worker-configuration.d.ts (the Env and runtime types) from `wrangler types`; committed.
// `npm run generate` writes it, `npm run generate -- --check` fails when it is stale (also
// runnable alone: `node scripts/typegen.mjs [--check]`).
// wrangler cannot see the entry's exports while a custom [build] is configured, so the types are
// generated from a copy of wrangler.toml without that section (the bindings are identical).
// The check is wrangler's own `--check`: it compares the header's hash of the bindings and the
// runtime (workerd version, compatibility date and flags) with what the config gives now.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const TYPES_PATH = join(root, "worker/worker-configuration.d.ts");

/**
 * Runs `wrangler types` (with `check`, only `--check`). Returns { ok, output }: ok is false when
 * the check finds the file stale or wrangler fails; output is wrangler's combined output.
 */
export function typegen({ check = false } = {}) {
  const toml = readFileSync(join(root, "wrangler.toml"), "utf8").replace(
    /\n\[build\]\n(?:(?!\n\[)[\s\S])*?(?=\n\n|\n\[)/,
    "\n",
  );
  const tmp = "wrangler.typegen.toml";
  writeFileSync(join(root, tmp), toml);
  try {
    const args = [
      "wrangler",
      "types",
      "worker/worker-configuration.d.ts",
      "-c",
      tmp,
      "--strict-vars=false",
    ];
    if (check) args.push("--check");
    const r = spawnSync("npx", args, { cwd: root, encoding: "utf8" });
    return { ok: r.status === 0, output: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ?? ""}` };
  } finally {
    rmSync(join(root, tmp), { force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { ok, output } = typegen({ check: process.argv.includes("--check") });
  process.stdout.write(output);
  process.exit(ok ? 0 : 1);
}
