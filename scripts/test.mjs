// `npm test`: builds what the worker embeds, runs every vitest project (node, workers in workerd,
// browser in Chromium) and ends with a plain `N passed, N failed` line for CI. A passing run prints
// little more than vitest's per-file summary; a failing test prints its console output, and the
// runtime output held back during the run (see vitest.config.ts). NUDGE_TEST_VERBOSE=1 prints all.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";

const run = (cmd, args) => spawnSync(cmd, args, { stdio: "inherit", env: process.env }).status ?? 1;

// The build steps' output ("wrote …") is printed only when one fails (or with the env var).
const verbose = process.env.NUDGE_TEST_VERBOSE === "1";
for (const script of ["scripts/build-snippet.mjs", "scripts/gen-templates.mjs"]) {
  if (!existsSync(script)) continue;
  const r = spawnSync("node", [script], { stdio: verbose ? "inherit" : "pipe", encoding: "utf8" });
  if (r.status !== 0) {
    process.stdout.write(r.stdout ?? "");
    process.stderr.write(r.stderr ?? "");
    if (r.error) console.error(r.error);
    console.log("0 passed, 1 failed");
    process.exit(1);
  }
}

const out = ".test-results.json";
rmSync(out, { force: true });
const status = run("npx", [
  "vitest",
  "run",
  "--reporter=./test/support/runtime-noise-reporter.ts",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${out}`,
  ...process.argv.slice(2),
]);

let passed = 0;
let failed = status === 0 ? 0 : 1;
let skipped = 0;
if (existsSync(out)) {
  const r = JSON.parse(readFileSync(out, "utf8"));
  passed = r.numPassedTests;
  skipped = r.numPendingTests + (r.numTodoTests ?? 0);
  failed = r.numFailedTests + (status !== 0 && r.numFailedTests === 0 ? 1 : 0);
}
if (skipped) console.log(`${skipped} skipped (reasons printed above)`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(status === 0 && failed === 0 ? 0 : 1);
