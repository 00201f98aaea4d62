// Lint config: typescript-eslint's recommended rules, no `any`, over every TypeScript file;
// no import cycles anywhere, and the engine stays pure (imports only config, ingest and lib).
import js from "@eslint/js";
import { createNodeResolver, importX } from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

/** Folders above the pure engine: nothing in worker/engine may import them. */
const ABOVE_ENGINE = ["visitor", "contact", "routes", "admin", "mail", "stats"];

export default tseslint.config(
  {
    ignores: [
      "node_modules",
      ".wrangler",
      "worker/generated",
      "worker/worker-configuration.d.ts",
      "dist",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: "readonly", process: "readonly", URL: "readonly" } },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
    },
  },
  {
    plugins: { "import-x": importX },
    settings: {
      "import-x/extensions": [".ts", ".mjs", ".js"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
      "import-x/resolver-next": [
        createNodeResolver({ extensions: [".ts", ".mjs", ".js", ".json"] }),
      ],
    },
    rules: {
      // Imports point one way: a cycle (of values or types) fails the lint.
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
    },
  },
  {
    files: ["worker/engine/**/*.ts"],
    ignores: ["worker/engine/**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ABOVE_ENGINE.map((d) => `../${d}/*`),
              message: "The engine is pure: it imports only config, ingest schemas and lib.",
            },
            { group: ["cloudflare:*"], message: "The engine never touches the runtime." },
          ],
        },
      ],
    },
  },
  {
    // The demo store's plain browser scripts.
    files: ["demo/public/**/*.js"],
    languageOptions: {
      globals: Object.fromEntries(
        [
          "window",
          "document",
          "localStorage",
          "sessionStorage",
          "HTMLElement",
          "nudge",
          "location",
          "history",
          "fetch",
          "URLSearchParams",
          "Promise",
        ].map((g) => [g, "readonly"]),
      ),
    },
  },
);
