// Builds the web application's assets from the npm packages into static/dist/: minified bundles with content
// hashes in their names, a manifest.json naming them (read by the page templates) and a gzip copy of each
// (served to browsers that take it: the field offices' connections are slow). Nothing is fetched at run time.
import { build } from "esbuild";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync, constants } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "static", "dist");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const result = await build({
  entryPoints: {
    app: join(here, "assets", "app.css"),
    map: join(here, "assets", "map.js"),
    charts: join(here, "assets", "charts.js"),
    coverage: join(here, "assets", "coverage.js"),
    alerts: join(here, "assets", "alerts.js"),
    alert_layer: join(here, "assets", "alert_layer.js"),
    alert_live: join(here, "assets", "alert_live.js"),
    "alerts-style": join(here, "assets", "alerts.css"),
    "documents-style": join(here, "assets", "documents.css"),
    "communities-style": join(here, "assets", "communities.css"),
  },
  outdir: out,
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  entryNames: "[name]-[hash]",
  assetNames: "[name]-[hash]",
  loader: { ".png": "file", ".svg": "file" },
  legalComments: "linked",
  metafile: true,
  logLevel: "warning",
});

const manifest = {};
for (const [file, meta] of Object.entries(result.metafile.outputs)) {
  const name = basename(file);
  if (meta.entryPoint) {
    const entry = basename(meta.entryPoint).replace(/\.(js|css)$/, "");
    manifest[`${entry}${name.endsWith(".css") ? ".css" : ".js"}`] = name;
  }
  if (meta.cssBundle) manifest[`${basename(meta.entryPoint).replace(/\.js$/, "")}.css`] = basename(meta.cssBundle);
}
writeFileSync(join(out, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");

let total = 0;
for (const name of readdirSync(out)) {
  if (!/\.(js|css|svg|json)$/.test(name) || name === "manifest.json") continue;
  const path = join(out, name);
  const packed = gzipSync(readFileSync(path), { level: constants.Z_BEST_COMPRESSION });
  writeFileSync(`${path}.gz`, packed);
  total += packed.length;
  console.log(`${relative(process.cwd(), path)}  ${(packed.length / 1024).toFixed(1)} kB gzipped`);
}
console.log(`web assets: ${(total / 1024).toFixed(1)} kB gzipped in ${relative(process.cwd(), out)}`);
