// `npm test`: runs every vitest project (node, workers in workerd, browser in Chromium) and ends
// with a plain `N passed, N failed` line for CI. It regenerates nothing: the tests run against the
// committed generated files (the node tests fail on a stale snippet, template bundle or config
// schema; `npm run generate` refreshes them). A passing run prints little more than vitest's
// per-file summary; a failing test prints its console output and the runtime output held back
// during the run (see vitest.config.ts). NUDGE_TEST_VERBOSE=1 prints everything.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";

const run = (cmd, args) => spawnSync(cmd, args, { stdio: "inherit", env: process.env }).status ?? 1;

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
