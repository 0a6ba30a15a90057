// `npm run build`: the site for S3 in dist/ — site/ as is (no bundler needed: the browser loads ES modules),
// with ui/config.js pointing at the API. The API's URL comes from REGISTRY_API_URL (the deploy workflow sets
// it from a repository variable); the API must admit this site's origin (REGISTRY_UI_ORIGIN on the server).
import { cpSync, rmSync, writeFileSync } from "node:fs";

const apiUrl = (process.env.REGISTRY_API_URL ?? "").replace(/\/+$/, "");
let parsed;
try {
  parsed = new URL(apiUrl);
} catch {
  console.error("REGISTRY_API_URL must be the API's URL, e.g. https://abc123.execute-api.us-east-2.amazonaws.com");
  process.exit(1);
}
if (!["https:", "http:"].includes(parsed.protocol) || parsed.search || parsed.hash || parsed.username) {
  console.error(`REGISTRY_API_URL is not a plain http(s) URL: ${apiUrl}`);
  process.exit(1);
}

const dist = new URL("../dist/", import.meta.url);
rmSync(dist, { recursive: true, force: true });
cpSync(new URL("../site/", import.meta.url), dist, { recursive: true });
writeFileSync(new URL("ui/config.js", dist),
  `// Written by client/scripts/build.mjs at deploy time.\nexport const config = ${JSON.stringify({ apiUrl })};\n`);
console.log(`built dist/ for the API at ${apiUrl}`);
