// The snippet as built now from snippet/*.ts (in memory, nothing written): one minified IIFE
// within the 1,500 B gzip -9 budget, and exactly what the committed worker/generated/snippet.ts
// embeds (editing snippet/ without running `npm run generate` fails here). The same for each
// platform adapter (snippet/platforms/<name>.ts), measured alone, within 1,000 B, and
// worker/generated/platforms.ts, which also embeds the cart-restore scripts.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import {
  PLATFORMS,
  PLATFORMS_MODULE_PATH,
  SNIPPET_MODULE_PATH,
  RESTORES,
  buildPlatforms,
  buildRestores,
  buildSnippet,
  platformsModuleSource,
  snippetModuleSource,
} from "../scripts/build-snippet.mjs";

const BUDGET = 1500;
const PLATFORM_BUDGET = 1000;
const IIFE = /^\(\(\)=>\{[\s\S]*\}\)\(\);$/;

let code = "";
let platforms: Record<string, string> = {};
let restores: Record<string, string> = {};
beforeAll(async () => {
  code = await buildSnippet({ write: false });
  platforms = await buildPlatforms({ write: false });
  restores = await buildRestores();
});

describe("snippet", () => {
  it(`is one IIFE within ${BUDGET} B gzip -9`, () => {
    const gz = gzipSync(code, { level: 9 }).length;
    console.log(`nudge.js: ${code.length} B minified, ${gz} B gzip -9 (budget ${BUDGET} B)`);
    expect(code).toMatch(IIFE);
    expect(gz).toBeLessThanOrEqual(BUDGET);
  });

  it("is embedded in the committed worker/generated/snippet.ts exactly as built (run `npm run generate`)", () => {
    expect(readFileSync(SNIPPET_MODULE_PATH, "utf8")).toBe(snippetModuleSource(code));
  });
});

describe("platform adapters", () => {
  it.each(PLATFORMS)(`%s is one IIFE within ${PLATFORM_BUDGET} B gzip -9, alone`, (name) => {
    const js = platforms[name]!;
    const gz = gzipSync(js, { level: 9 }).length;
    const after = gzipSync(code + js, { level: 9 }).length - gzipSync(code, { level: 9 }).length;
    console.log(
      `${name} adapter: ${js.length} B minified, ${gz} B gzip -9 alone` +
        ` (budget ${PLATFORM_BUDGET} B), +${after} B after the core`,
    );
    expect(js).toMatch(IIFE);
    expect(gz).toBeLessThanOrEqual(PLATFORM_BUDGET);
  });

  it("are embedded in the committed worker/generated/platforms.ts exactly as built (run `npm run generate`)", () => {
    expect(Object.keys(platforms)).toEqual(PLATFORMS);
    expect(readFileSync(PLATFORMS_MODULE_PATH, "utf8")).toBe(
      platformsModuleSource(platforms, restores),
    );
  });

  it.each(RESTORES)(`%s's cart restore (loaded only from a cart link) is one IIFE`, (name) => {
    const js = restores[name]!;
    const gz = gzipSync(js, { level: 9 }).length;
    console.log(`${name} restore: ${js.length} B minified, ${gz} B gzip -9`);
    expect(js).toMatch(IIFE);
    expect(gz).toBeLessThanOrEqual(PLATFORM_BUDGET);
  });
});
