// The size budget: the built snippet (one minified IIFE) must stay within 1,500 B gzip -9.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

const BUDGET = 1500;

describe("snippet size", () => {
  it(`stays within ${BUDGET} B gzip -9`, () => {
    execFileSync("node", ["scripts/build-snippet.mjs"]);
    const code = readFileSync("dist/nudge.js", "utf8");
    const gz = gzipSync(code, { level: 9 }).length;
    console.log(`nudge.js: ${code.length} B minified, ${gz} B gzip -9 (budget ${BUDGET} B)`);
    expect(code).toMatch(/^\(\(\)=>\{[\s\S]*\}\)\(\);\n?$/); // one IIFE
    expect(gz).toBeLessThanOrEqual(BUDGET);
  });

  it("is embedded in the worker exactly as built", () => {
    const code = readFileSync("dist/nudge.js", "utf8").trim();
    const ts = readFileSync("worker/generated/snippet.ts", "utf8");
    expect(ts).toBe(`export const SNIPPET_JS: string = ${JSON.stringify(code)};\n`);
  });
});
