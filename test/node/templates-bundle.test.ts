// templates/bundle.ts (committed; what the worker imports) must be exactly what templates/*.liquid
// give now: the test builds the bundle in memory and compares, so editing a template without
// running `npm run generate` fails here (nothing regenerates the bundle before the tests).
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { BUNDLE_PATH, buildTemplateBundle } from "../../scripts/gen-templates.mjs";

it("templates/bundle.ts is up to date with templates/*.liquid (run `npm run generate`)", async () => {
  expect(readFileSync(BUNDLE_PATH, "utf8")).toBe(await buildTemplateBundle());
});
