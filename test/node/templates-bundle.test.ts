// templates/bundle.ts (what the worker imports) must match templates/*.liquid.
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { BUNDLE_PATH, buildTemplateBundle } from "../../scripts/gen-templates.mjs";

it("templates/bundle.ts is up to date (run `node scripts/gen-templates.mjs`)", async () => {
  expect(readFileSync(BUNDLE_PATH, "utf8")).toBe(await buildTemplateBundle());
});
