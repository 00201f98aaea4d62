// Lint config: typescript-eslint's recommended rules, no `any`, over every TypeScript file.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

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
        ].map((g) => [g, "readonly"]),
      ),
    },
  },
);
