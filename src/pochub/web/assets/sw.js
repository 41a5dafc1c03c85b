// The service worker (Workbox): the field pages' assets kept at install, the pages and data the server marks
// readable offline kept as they are read, a page kept or a plain "offline" page when the connection is down, and
// a write that cannot reach the server kept on the device to be sent later (offline_queue.js).
//
// What is kept is the server's call: an answer marked `Cache-Control: no-store` (the default of every page and
// API answer, and always so for those that show protected fields: sender details, focal points) is never
// written to the device; the few the server marks `private, no-cache` (pages and data without protected fields)
// are. The build writes the asset list (self.__WB_MANIFEST); a new build changes it, and so this file.
import { clientsClaim } from "workbox-core";
import { ExpirationPlugin } from "workbox-expiration";
import { cleanupOutdatedCaches, precacheAndRoute } from "workbox-precaching";
import { registerRoute, setCatchHandler } from "workbox-routing";
import { CacheFirst, NetworkFirst } from "workbox-strategies";
import { keep, kindOf, meta } from "./offline_queue.js";

const ASSETS = self.__WB_MANIFEST;
const READ_CACHE = "pochub-read";
const NEVER_ROUTED = new Set(["/sw.js", "/offline/session", "/logout", "/login"]);

/** A short fingerprint of the asset list: the version a page can ask for. */
function fingerprint(text) {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619) >>> 0;
  return hash.toString(16).padStart(8, "0");
}
const VERSION = fingerprint(JSON.stringify(ASSETS));

/** May this answer be written to the device? Only a whole same-origin 200 the server did not mark no-store. */
export function keepable(response) {
  if (!response || response.status !== 200 || response.type !== "basic") return false;
  const control = (response.headers.get("Cache-Control") || "").toLowerCase();
  return !control.includes("no-store");
}
const onlyKeepable = { cacheWillUpdate: async ({ response }) => (keepable(response) ? response : null) };

self.skipWaiting(); // a new build takes over at once: the pages name its assets
clientsClaim();
cleanupOutdatedCaches();
precacheAndRoute(ASSETS);

// the other built bundles (charts, coverage, documents): kept the first time a page uses them
registerRoute(
  ({ url, sameOrigin }) => sameOrigin && url.pathname.startsWith("/static/dist/"),
  new CacheFirst({ cacheName: "pochub-assets", plugins: [new ExpirationPlugin({ maxEntries: 40 })] }),
);

// pages and data: from the network when it answers, else as last read; kept only when keepable
const reading = new NetworkFirst({
  cacheName: READ_CACHE,
  networkTimeoutSeconds: 20,
  matchOptions: { ignoreVary: true },
  plugins: [onlyKeepable, new ExpirationPlugin({ maxEntries: 200 })],
});
registerRoute(
  ({ url, sameOrigin }) => sameOrigin && !url.pathname.startsWith("/static/") && !NEVER_ROUTED.has(url.pathname),
  reading,
);

// a write the connection drops: kept on the device, and the person back on the page they posted from
registerRoute(
  ({ url, sameOrigin }) => sameOrigin && kindOf(url.pathname) !== null,
  async ({ request, url }) => {
    const copy = request.clone();
    try {
      return await fetch(request);
    } catch (error) {
      if (request.mode !== "navigate") throw error; // a page's own script keeps its writes itself
      await keep(url.pathname, await copy.formData(), await meta("user"));
      const back = new URL(request.referrer || "/", self.location.origin);
      back.hash = "kept";
      return Response.redirect(back.href, 303);
    }
  },
  "POST",
);

// a page neither the network nor the device has: the offline page, in the language it was kept in
setCatchHandler(async ({ request }) => {
  if (request.destination === "document") {
    const page = await caches.match("/offline", { cacheName: READ_CACHE, ignoreVary: true });
    if (page) return page;
  }
  return Response.error();
});

self.addEventListener("message", (event) => {
  const { data } = event;
  if (!data || typeof data !== "object") return;
  if (data.type === "version") {
    event.ports[0]?.postMessage(VERSION);
  } else if (data.type === "keep" && Array.isArray(data.urls)) {
    // warm-up: the pages of the person's work, read now so that they open offline later
    const urls = data.urls.filter((u) => typeof u === "string" && u.startsWith("/") && !u.startsWith("//"));
    const read = (u) => reading.handle({ event, request: new Request(u, { credentials: "same-origin" }) });
    event.waitUntil(
      Promise.all(urls.map((u) => read(u).then((r) => keepable(r), () => false))).then((done) => {
        event.ports[0]?.postMessage(done.filter(Boolean).length); // how many were kept
      }),
    );
  }
});
