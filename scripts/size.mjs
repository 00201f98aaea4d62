// `npm run size`: builds the snippet and prints its gzip -9 size (node zlib, level 9).
// `--json` prints {"snippetGzipBytes": N} instead (for bench/run.ts).
import { Buffer } from "node:buffer";
import { gzipSync } from "node:zlib";
import { buildSnippet } from "./build-snippet.mjs";

export const BUDGET = 1500;
const code = await buildSnippet();
const raw = Buffer.byteLength(code);
const gz = gzipSync(code, { level: 9 }).length;
if (process.argv.includes("--json")) console.log(JSON.stringify({ snippetGzipBytes: gz }));
else console.log(`nudge.js: ${raw} B minified, ${gz} B gzip -9 (budget ${BUDGET} B, goal 1000 B)`);
