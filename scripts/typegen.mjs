// `npm run cf-typegen [-- --check]`: generates worker/worker-configuration.d.ts with `wrangler types`.
// wrangler cannot see the entry's exports while a custom [build] is configured, so the types are
// generated from a copy of wrangler.toml without that section (the bindings are identical).
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";

const toml = readFileSync("wrangler.toml", "utf8").replace(
  /\n\[build\]\n(?:(?!\n\[)[\s\S])*?(?=\n\n|\n\[)/,
  "\n",
);
const tmp = "wrangler.typegen.toml";
writeFileSync(tmp, toml);
try {
  const args = [
    "wrangler",
    "types",
    "worker/worker-configuration.d.ts",
    "-c",
    tmp,
    "--strict-vars=false",
  ];
  if (process.argv.includes("--check")) args.push("--check");
  execFileSync("npx", args, { stdio: "inherit" });
} finally {
  rmSync(tmp, { force: true });
}
