// Builds every browser bundle of lrs-bridge with esbuild: one entry point per shipped file.
//   node build.mjs                 -> into the repository (lrs/static/...), the files that are committed
//   node build.mjs --outdir DIR    -> the same files under DIR (the reproducibility test compares them)
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repository = resolve(here, "..");

const scormAgain = JSON.parse(readFileSync(join(here, "node_modules/scorm-again/package.json"), "utf8"));
const BANNER =
  `/*! lrs-bridge browser runtime v1 | Apache-2.0 | bundles scorm-again ${scormAgain.version} ` +
  "(MIT License, Copyright (c) 2020 Jonathan Putney) */";

// Add an entry here for another bundle (each becomes one self-contained IIFE file).
export const ENTRIES = [
  { entry: "src/runtime/index.js", output: "lrs/static/runtime/lrs-bridge-runtime.js", banner: BANNER },
  {
    entry: "src/dashboard/main.js",
    output: "lrs/static/dashboard/dashboard.js",
    banner: "/*! lrs-bridge dashboard charts | Apache-2.0 | bundles Chart.js (MIT License) */",
  },
];

if (process.env.LRS_JS_LIST_ONLY) {
  for (const { output } of ENTRIES) console.log(output);
  process.exit(0);
}

const args = process.argv.slice(2);
const outdirIndex = args.indexOf("--outdir");
const root = outdirIndex >= 0 ? resolve(args[outdirIndex + 1]) : repository;

for (const { entry, output, banner } of ENTRIES) {
  await build({
    entryPoints: [join(here, entry)],
    outfile: join(root, output),
    absWorkingDir: here,
    bundle: true,
    minify: true,
    format: "iife",
    target: ["es2020"],
    platform: "browser",
    charset: "utf8",
    legalComments: "eof",
    sourcemap: false,
    banner: banner ? { js: banner } : undefined,
    logLevel: "warning",
  });
  console.log("built", output);
}
