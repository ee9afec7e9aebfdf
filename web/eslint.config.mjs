// ESLint for the web site: `npm run lint` (part of `npm test`), which fails on
// any warning as well as any error. Next.js's own rules (React, the React
// hooks rules including the compiler's checks, accessibility, imports, Core
// Web Vitals), ESLint's and typescript-eslint's recommended rules, and the
// type-aware ones that catch promises nobody awaits or handles.
import js from "@eslint/js";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";
import { defineConfig, globalIgnores } from "eslint/config";
import tseslint from "typescript-eslint";

export default defineConfig([
  globalIgnores([
    ".next/",
    "out/",
    "node_modules/",
    "next-env.d.ts",
    // Generated from openapi.json by scripts/api-types.mjs.
    "lib/api/schema.d.ts",
    // What the browser tests leave behind.
    "screenshots/",
    "playwright-report/",
    "test-results/",
  ]),
  js.configs.recommended,
  ...nextVitals,
  ...nextTypescript,
  {
    files: ["**/*.{ts,tsx,mts,cts}"],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // `const { id: _, ...rest } = object` is how a property is left out.
      "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true }],
    },
  },
]);
