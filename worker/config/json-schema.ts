// The JSON Schema editors use to autocomplete the site config (`"$schema"` in the document),
// generated from the zod schema. Called by scripts/gen-schema.ts and its drift test.
import { z } from "zod";
import { SiteConfigSchema } from "./schema.ts";

/** The input-side JSON Schema (what an operator writes: durations as strings, defaults shown). */
export function siteConfigJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(SiteConfigSchema, {
    io: "input",
    target: "draft-2020-12",
    unrepresentable: "any",
  });
  return { ...schema, title: "Nudge site config" };
}
