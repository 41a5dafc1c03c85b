// Builds the web application's assets from the npm packages into static/dist/: minified bundles with content
// hashes in their names, a manifest.json naming them (read by the page templates) and a gzip copy of each
// (served to browsers that take it: the field offices' connections are slow). Nothing is fetched at run time.
// Then the service worker (sw.js, Workbox): a fixed name (browsers look for updates at one address) holding the
// list of the field pages' assets it keeps on the device; a new build of any of them changes that list, so
// browsers find a new service worker and it takes over (the offline-first pages of issue 18).
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
    disclosure: join(here, "assets", "disclosure.js"),
    offline: join(here, "assets", "offline.js"),
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

// What the service worker keeps at install: the field pages' bundles and every image (hashed names: the name is
// the revision); the other bundles (charts, coverage, documents) are kept when a page first uses them.
const FIELD_ASSETS = ["app.css", "disclosure.js", "offline.js", "offline.css", "alerts.js", "alerts.css", "alert_live.js", "alert_layer.js",
  "map.js", "map.css", "communities.css"];
const images = readdirSync(out).filter((name) => /\.(png|svg)$/.test(name));
const precache = [...FIELD_ASSETS.map((name) => manifest[name]).filter(Boolean), ...images]
  .sort()
  .map((name) => ({ url: `/static/dist/${name}`, revision: null }));
await build({
  entryPoints: [join(here, "assets", "sw.js")],
  outfile: join(out, "sw.js"),
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  define: { "self.__WB_MANIFEST": JSON.stringify(precache), "process.env.NODE_ENV": '"production"' },
  legalComments: "linked",
  logLevel: "warning",
});

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
