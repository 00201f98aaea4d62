// `npm run size`: builds the snippet and the platform adapters and prints their gzip -9 sizes
// (node zlib, level 9). `--json` prints
// {"snippetGzipBytes": N, "platformGzipBytes": {"shopify": N, "woocommerce": N}} instead (for
// bench/run.ts). An adapter is measured alone, as built; served after the core it adds less
// (the two compress together).
import { Buffer } from "node:buffer";
import { gzipSync } from "node:zlib";
import { buildPlatforms, buildSnippet } from "./build-snippet.mjs";

export const BUDGET = 1500;
export const PLATFORM_BUDGET = 1000;
const gzip = (code) => gzipSync(code, { level: 9 }).length;
const code = await buildSnippet();
const platforms = await buildPlatforms();
const gz = gzip(code);
const platformGzipBytes = Object.fromEntries(
  Object.entries(platforms).map(([name, js]) => [name, gzip(js)]),
);
if (process.argv.includes("--json")) {
  console.log(JSON.stringify({ snippetGzipBytes: gz, platformGzipBytes }));
} else {
  console.log(
    `nudge.js: ${Buffer.byteLength(code)} B minified, ${gz} B gzip -9 (budget ${BUDGET} B, goal 1000 B)`,
  );
  for (const [name, js] of Object.entries(platforms)) {
    console.log(
      `  + ${name} adapter: ${Buffer.byteLength(js)} B minified, ${gzip(js)} B gzip -9 alone` +
        ` (budget ${PLATFORM_BUDGET} B), +${gzip(code + js) - gz} B after the core`,
    );
  }
}
