// Every accent in the default templates follows the site's brand colour: the only hex colours a
// template may write are the neutral greys of test/support/palette.ts (text, borders, backgrounds)
// and the brand default.
// A fixed accent (a pink eyebrow, a blue link, a green badge) fails here: use the brand colour
// (`site.brand_color`, `brand` in a layout block, `color` in a partial) instead. docs/templates.md
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { NEUTRALS, hexColours } from "../support/palette.ts";

const dir = new URL("../../templates/", import.meta.url).pathname;

it("templates use only the neutral palette and the brand colour", () => {
  const files = readdirSync(dir).filter((f) => f.endsWith(".liquid"));
  expect(files.length).toBeGreaterThan(10);
  const offenders: string[] = [];
  for (const f of files) {
    const source = readFileSync(join(dir, f), "utf8");
    for (const hex of hexColours(source))
      if (!NEUTRALS.includes(hex)) offenders.push(`${f}: ${hex}`);
    // Colour functions and named colours would dodge the hex check.
    for (const m of source.matchAll(/\b(rgba?|hsla?)\(/gi)) offenders.push(`${f}: ${m[0]}`);
    for (const m of source.matchAll(/\b(?:color|bgcolor)\s*[:=]\s*["']?([a-z]+)\s*(?=[;"'!])/gi))
      if (!["transparent", "inherit", "currentcolor"].includes(m[1]!.toLowerCase()))
        offenders.push(`${f}: ${m[0]}`);
  }
  expect(offenders).toEqual([]);
});
