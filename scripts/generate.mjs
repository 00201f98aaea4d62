// `npm run generate`: writes the five generated files, all committed:
//   worker/generated/snippet.ts          from snippet/*.ts            (scripts/build-snippet.mjs)
//   worker/generated/platforms.ts        from snippet/platforms/*.ts  (scripts/build-snippet.mjs)
//   templates/bundle.ts                  from templates/*.liquid      (scripts/gen-templates.mjs)
//   templates/nudge-config.schema.json   from worker/config/ (zod)    (scripts/gen-schema.ts)
//   worker/worker-configuration.d.ts     from wrangler.toml           (scripts/typegen.mjs)
// `npm run generate -- --check` (part of `npm run check`) writes nothing: it builds each file
// afresh, compares it with the committed one and exits 1 naming every stale file (the env types
// are checked by wrangler's own `wrangler types --check`, see scripts/typegen.mjs).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { tsImport } from "tsx/esm/api";
import {
  PLATFORMS_MODULE_PATH,
  SNIPPET_MODULE_PATH,
  buildPlatforms,
  buildSnippet,
  platformsModuleSource,
  buildRestores,
  snippetModuleSource,
} from "./build-snippet.mjs";
import { BUNDLE_PATH, buildTemplateBundle } from "./gen-templates.mjs";
import { TYPES_PATH, typegen } from "./typegen.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The schema generator is TypeScript (it imports the worker's zod schema): loaded through tsx. */
const schema = await tsImport("./gen-schema.ts", import.meta.url);

/**
 * Each generated file: `fresh(write)` returns its current text (built in memory; with write,
 * a generator may also write its own outputs), or, for the wrangler types, `check`/`write`.
 */
const TARGETS = [
  {
    path: SNIPPET_MODULE_PATH,
    from: "snippet/*.ts",
    // Writing also refreshes dist/nudge.js (not committed), what the browser tests serve.
    fresh: async (write) => snippetModuleSource(await buildSnippet({ write })),
  },
  {
    path: PLATFORMS_MODULE_PATH,
    from: "snippet/platforms/*.ts (and the snippet modules they import)",
    // Writing also refreshes dist/nudge.<platform>.js (core + adapter, not committed).
    fresh: async (write) =>
      platformsModuleSource(await buildPlatforms({ write }), await buildRestores()),
  },
  {
    path: BUNDLE_PATH,
    from: "templates/*.liquid",
    fresh: () => buildTemplateBundle(),
  },
  {
    path: schema.SCHEMA_PATH,
    from: "the zod schema in worker/config/",
    fresh: () => schema.buildConfigSchema(),
  },
  {
    path: TYPES_PATH,
    from: "wrangler.toml (bindings, compatibility date and flags) and wrangler's workerd",
    check: () => typegen({ check: true }),
    write: () => typegen(),
  },
];

const read = (path) => (existsSync(path) ? readFileSync(path, "utf8") : null);

/** 1-based number of the first line where a and b differ. */
function firstDifferentLine(a, b) {
  const x = a.split("\n");
  const y = b.split("\n");
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return i + 1;
}

async function check() {
  const stale = [];
  for (const t of TARGETS) {
    const name = relative(root, t.path);
    if (t.check) {
      const { ok, output } = t.check();
      if (!ok) {
        // wrangler says "Types at … are out of date"; anything else is a failure worth showing.
        const outOfDate = /out of date/.test(output);
        if (!outOfDate) process.stderr.write(output);
        const why = outOfDate
          ? "out of date (`wrangler types --check`)"
          : "wrangler types failed (above)";
        stale.push({ name, from: t.from, why });
      }
      continue;
    }
    const committed = read(t.path);
    const fresh = await t.fresh(false);
    if (committed === null) stale.push({ name, from: t.from, why: "missing" });
    else if (committed !== fresh)
      stale.push({
        name,
        from: t.from,
        why: `differs from line ${firstDifferentLine(committed, fresh)}`,
      });
  }
  if (stale.length === 0) {
    console.log(`generated files up to date (${TARGETS.length})`);
    return 0;
  }
  console.error("Stale generated files (committed content differs from what their sources give):");
  for (const s of stale) console.error(`  ${s.name}  from ${s.from}: ${s.why}`);
  console.error("Fix: run `npm run generate` and commit the result.");
  return 1;
}

async function write() {
  let failed = 0;
  for (const t of TARGETS) {
    const name = relative(root, t.path);
    const before = read(t.path);
    if (t.write) {
      const { ok, output } = t.write();
      if (!ok) {
        process.stderr.write(output);
        console.error(`failed: ${name}`);
        failed++;
        continue;
      }
    } else {
      const fresh = await t.fresh(true);
      if (read(t.path) !== fresh) writeFileSync(t.path, fresh);
    }
    console.log(`${read(t.path) === before ? "unchanged" : "wrote    "} ${name}`);
  }
  return failed ? 1 : 0;
}

process.exit(process.argv.includes("--check") ? await check() : await write());
