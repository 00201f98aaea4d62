// Builds the snippet (snippet/index.ts) with esbuild into one minified IIFE: dist/nudge.js, and
// worker/generated/snippet.ts (`SNIPPET_JS`, served by the worker at GET /nudge.js).
// Usage: node scripts/build-snippet.mjs   (also importable: `await buildSnippet()` → the code)
import { build, transform } from "esbuild";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Builds, writes both outputs, and returns the minified code. */
export async function buildSnippet() {
  const out = await build({
    entryPoints: [join(root, "snippet/index.ts")],
    bundle: true,
    minify: true,
    format: "iife",
    // Browsers from 2020 on (optional chaining, `||=`, Array.prototype.flat, fetch keepalive):
    // Chrome 85, Firefox 79, Safari 14.
    target: "es2021",
    legalComments: "none",
    write: false,
    logLevel: "warning",
    // The IIFE needs no "use strict" prologue (13 bytes).
    tsconfigRaw: { compilerOptions: { alwaysStrict: false } },
  });
  // A second pass over the bundle: esbuild minifies each module's top level on its own, so
  // only now can it merge their `var` statements into one (and share short names better).
  const code = (
    await transform(out.outputFiles[0].text, {
      minify: true,
      target: "es2021",
      legalComments: "none",
    })
  ).code.trim();
  mkdirSync(join(root, "worker/generated"), { recursive: true });
  mkdirSync(join(root, "dist"), { recursive: true });
  // Exactly the bytes the worker serves (no trailing newline: it alone costs 3 B of gzip).
  writeFileSync(join(root, "dist/nudge.js"), code);
  writeFileSync(
    join(root, "worker/generated/snippet.ts"),
    `export const SNIPPET_JS: string = ${JSON.stringify(code)};\n`,
  );
  return code;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildSnippet();
}
