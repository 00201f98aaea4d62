// Writes templates/nudge-config.schema.json from the zod site config schema.
// Run after changing worker/config/*: `npx tsx scripts/gen-schema.ts` (a node test checks drift).
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { format, resolveConfig } from "prettier";
import { siteConfigJsonSchema } from "../worker/config/json-schema.ts";

const out = fileURLToPath(new URL("../templates/nudge-config.schema.json", import.meta.url));
const options = (await resolveConfig(out)) ?? {};
const text = await format(JSON.stringify(siteConfigJsonSchema()), { ...options, filepath: out });
writeFileSync(out, text);
console.log(`wrote ${out}`);
