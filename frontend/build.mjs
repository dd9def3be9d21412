// Builds the card into custom_components/openclaw/frontend/openclaw-chat-card.js (committed,
// so HACS installs need no build). The same sources and lockfile give the same bytes.
//
//   node build.mjs           build
//   node build.mjs --check   exit 1 if the committed file differs from a fresh build

import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = fileURLToPath(new URL(".", import.meta.url));
const outFile = fileURLToPath(
  new URL("../custom_components/openclaw/frontend/openclaw-chat-card.js", import.meta.url),
);
const pkg = JSON.parse(await readFile(new URL("package.json", import.meta.url), "utf8"));

const result = await esbuild.build({
  absWorkingDir: here,
  entryPoints: ["src/openclaw-chat-card.js"],
  bundle: true,
  format: "esm",
  target: ["es2021"],
  minify: true,
  charset: "utf8",
  legalComments: "eof",
  write: false,
  logLevel: "warning",
  define: { __CARD_VERSION__: JSON.stringify(pkg.version) },
  banner: {
    js: `// openclaw-chat-card ${pkg.version} (esbuild ${esbuild.version}): built from frontend/ by scripts/build-card; do not edit.`,
  },
});
const built = Buffer.from(result.outputFiles[0].contents);
const digest = createHash("sha256").update(built).digest("hex").slice(0, 16);

if (process.argv.includes("--check")) {
  let committed = Buffer.alloc(0);
  try {
    committed = await readFile(outFile);
  } catch {}
  if (!committed.equals(built)) {
    console.error(`${outFile} differs from a fresh build (${built.length} bytes, sha256 ${digest}); run scripts/build-card`);
    process.exit(1);
  }
  console.log(`${outFile} matches a fresh build (${built.length} bytes, sha256 ${digest})`);
} else {
  await writeFile(outFile, built);
  console.log(`wrote ${outFile} (${built.length} bytes, sha256 ${digest})`);
}
