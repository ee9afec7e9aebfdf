// Generates lib/api/schema.d.ts from openapi.json, the API's own description
// (written by `scripts/api-client` from `atelier openapi`). With --check it
// only compares, and fails when the committed types are stale, so the web
// and the API cannot drift apart unnoticed.
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";

const root = new URL("..", import.meta.url);
const specPath = new URL("openapi.json", root);
const typesPath = new URL("lib/api/schema.d.ts", root);
const check = process.argv.includes("--check");

const spec = JSON.parse(await readFile(specPath, "utf8"));
const header =
  "// Generated from openapi.json by `npm run api:generate`; do not edit.\n" +
  "// `scripts/api-client` refreshes both from the Rust code.\n\n";
const generated = header + astToString(await openapiTS(spec, { alphabetize: true }));

if (check) {
  const current = await readFile(typesPath, "utf8").catch(() => "");
  if (current !== generated) {
    console.error(
      `${fileURLToPath(typesPath)} is stale: run scripts/api-client (or npm run api:generate) and commit the result.`,
    );
    process.exit(1);
  }
  console.log("API types match openapi.json");
} else {
  await writeFile(typesPath, generated);
  console.log(`wrote ${fileURLToPath(typesPath)}`);
}
