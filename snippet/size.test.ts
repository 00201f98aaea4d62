// The snippet as built now from snippet/*.ts (in memory, nothing written): one minified IIFE
// within the 1,500 B gzip -9 budget, and exactly what the committed worker/generated/snippet.ts
// embeds (editing snippet/ without running `npm run generate` fails here).
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import {
  SNIPPET_MODULE_PATH,
  buildSnippet,
  snippetModuleSource,
} from "../scripts/build-snippet.mjs";

const BUDGET = 1500;

let code = "";
beforeAll(async () => {
  code = await buildSnippet({ write: false });
});

describe("snippet", () => {
  it(`is one IIFE within ${BUDGET} B gzip -9`, () => {
    const gz = gzipSync(code, { level: 9 }).length;
    console.log(`nudge.js: ${code.length} B minified, ${gz} B gzip -9 (budget ${BUDGET} B)`);
    expect(code).toMatch(/^\(\(\)=>\{[\s\S]*\}\)\(\);$/);
    expect(gz).toBeLessThanOrEqual(BUDGET);
  });

  it("is embedded in the committed worker/generated/snippet.ts exactly as built (run `npm run generate`)", () => {
    expect(readFileSync(SNIPPET_MODULE_PATH, "utf8")).toBe(snippetModuleSource(code));
  });
});
