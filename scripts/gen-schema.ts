// templates/nudge-config.schema.json from the zod site config schema (committed). After changing
// worker/config/*, run `npm run generate` (or `npx tsx scripts/gen-schema.ts`);
// `npm run generate -- --check` fails when the file is stale.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { format, resolveConfig } from "prettier";
import { siteConfigJsonSchema } from "../worker/config/json-schema.ts";

export const SCHEMA_PATH = fileURLToPath(
  new URL("../templates/nudge-config.schema.json", import.meta.url),
);

/** The schema file's text (prettier-formatted, as committed). */
export async function buildConfigSchema(): Promise<string> {
  const options = (await resolveConfig(SCHEMA_PATH)) ?? {};
  return format(JSON.stringify(siteConfigJsonSchema()), { ...options, filepath: SCHEMA_PATH });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_PATH, await buildConfigSchema());
  console.log(`wrote ${SCHEMA_PATH}`);
}
