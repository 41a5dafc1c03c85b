// Offline-first on every page of a signed-in person: registers the service worker (workbox-window), keeps the
// writes made without a connection on the device (offline_queue.js) and shows them "waiting to send", sends
// them when the connection returns (each with its idempotency key, with a CSRF token fetched fresh: the one of
// the page that kept them may belong to an ended session), shows what the server refused or found changed
// meanwhile (a conflict is shown, never overwritten), and clears the device when the person signs out.
// The phrases come from /offline/phrases.json in both languages (kept by the service worker for offline use).
import { Workbox } from "workbox-window";
import "./offline.css";
import { clearAll, forget, keep, kindOf, meta, update, waiting } from "./offline_queue.js";

const area = document.getElementById("offline-status");
const user = area ? area.dataset.user || "" : "";
const language = document.documentElement.lang === "fr" ? "fr" : "en";
let phrases = null;
let sending = false;

async function text() {
  if (phrases) return phrases;
  try {
    const answer = await fetch("/offline/phrases.json", { credentials: "same-origin" });
    phrases = (await answer.json())[language];
  } catch {
    phrases = {};
  }
  return phrases;
}

function element(tag, attributes = {}, content = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.textContent = content;
  return node;
}

// ---- what the status area shows ----

async function show(note = "") {
  if (!area) return;
  const items = await waiting();
  if (!items.length && navigator.onLine && !note) {
    area.replaceChildren();
    area.hidden = true;
    return; // nothing to say: the phrases are not even fetched
  }
  const t = await text();
  area.replaceChildren();
  if (!navigator.onLine) area.append(element("p", { class: "offline-note" }, t.offline || "Offline"));
  if (note) area.append(element("p", { class: "offline-kept" }, note));
  if (items.length) {
    const list = element("ul", { class: "offline-items", "aria-label": t.heading || "" });
    for (const item of items) {
      const row = element("li", { class: `offline-item offline-${item.state}`, "data-kind": item.kind });
      row.append(element("span", { class: "offline-kind" }, `${t[`kind_${item.kind}`] || item.kind}: `));
      row.append(element("span", { class: "offline-label" }, item.label));
      row.append(element("span", { class: "offline-state" }, ` · ${t[item.state] || item.state}`));
      if (item.dropped) row.append(element("span", { class: "offline-dropped" }, ` ${t.sender_not_kept || ""}`));
      if (item.state === "sent" || item.state === "conflict" || item.state === "refused") {
        const target = item.location || item.path.replace(/\/[a-z_]+$/, "");
        if (target.startsWith("/") && !target.startsWith("//")) {
          row.append(" ", element("a", { href: target }, t.open || "Open"));
        }
      }
      if (item.state === "conflict" || item.state === "refused") {
        const discard = element("button", { type: "button", class: "offline-discard" }, t.discard || "Discard");
        discard.addEventListener("click", async () => {
          await forget(item.key);
          show();
        });
        row.append(" ", discard);
      }
      list.append(row);
    }
    area.append(list);
  }
  area.hidden = area.childElementCount === 0;
}

// ---- keeping a write made offline ----

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post" || navigator.onLine) return;
  const path = new URL(form.action, window.location.href).pathname;
  if (kindOf(path) === null) return;
  event.preventDefault();
  const item = await keep(path, new FormData(form, event.submitter), user);
  form.reset();
  const t = await text();
  await show(t.kept || "Kept on this phone: waiting to send.");
  area?.focus?.();
  return item;
});

// offline, the sender's details cannot be kept: the fields say so instead of taking them
async function senderFields() {
  const fields = [...document.querySelectorAll("#sender_name, #sender_number")];
  if (!fields.length) return;
  const t = await text();
  for (const field of fields) field.disabled = !navigator.onLine;
  const last = fields[fields.length - 1];
  let hint = document.getElementById("sender-offline");
  if (!navigator.onLine && !hint) {
    hint = element("p", { id: "sender-offline", class: "hint offline-hint" }, t.sender_offline || "");
    last.after(hint);
  } else if (navigator.onLine && hint) {
    hint.remove();
  }
}

// ---- sending what waits ----

async function session() {
  const answer = await fetch("/offline/session", {
    credentials: "same-origin",
    cache: "no-store",
    headers: { Accept: "application/json" },
  });
  return answer.ok ? answer.json() : null;
}

/** Send one kept write; its new state ("sent", "conflict", "refused", or "waiting" to try again later). */
async function sendOne(item, current) {
  const body = new URLSearchParams(item.fields);
  body.set("csrf_token", current.csrf_token);
  const answer = await fetch(item.path, {
    method: "POST",
    body,
    credentials: "same-origin",
    headers: { "Idempotency-Key": item.key, "X-CSRF-Token": current.csrf_token, Accept: "application/json" },
  });
  if (answer.status === 200 && (answer.headers.get("Content-Type") || "").includes("json")) {
    const { location = "" } = await answer.json();
    item.location = location;
    if (location.startsWith("/login")) return "waiting";
    if (/[?&]error=changed/.test(location)) return "conflict";
    return /[?&]error=/.test(location) ? "refused" : "sent";
  }
  if (answer.status === 409) return "conflict";
  if (answer.status >= 500 || answer.status === 401 || answer.status === 403) return "waiting";
  return "refused";
}

async function send() {
  if (sending || !navigator.onLine || !user) return;
  sending = true;
  try {
    const items = (await waiting()).filter((i) => (i.state === "waiting" || i.state === "sending") && i.user === user);
    if (!items.length) return;
    const current = await session().catch(() => null); // the server not reachable yet: later
    if (!current || current.user !== user) return;
    for (const item of items) {
      item.state = "sending";
      await update(item);
      await show();
      try {
        item.state = await sendOne(item, current);
      } catch {
        item.state = "waiting"; // the connection dropped again: later
        await update(item);
        break;
      }
      await update(item);
    }
  } finally {
    sending = false;
    await show().catch(() => null);
  }
}

// ---- the service worker ----

/** Resolves once the page has loaded, its first data have come (the live desk's first answer, the map's
 * layers: at most 15 s) and the browser is idle. The service worker's install (the field pages' assets, about
 * 110 kB gzipped) and the read-ahead of the person's pages (about 45 kB) wait for it: on a 2G line they would
 * otherwise share the first view's bandwidth and delay it by seconds (issue 18, low bandwidth). */
function afterLoad() {
  const loaded = new Promise((resolve) => {
    if (document.readyState === "complete") resolve();
    else window.addEventListener("load", resolve, { once: true });
  });
  const firstData = new Promise((resolve) => {
    const body = document.body;
    const waits = document.getElementById("alert-live-config") || document.getElementById("map-config");
    const arrived = () => body.dataset.deskPolls || body.dataset.ready === "true";
    if (!waits || arrived()) return resolve();
    const watch = new MutationObserver(() => {
      if (arrived()) {
        watch.disconnect();
        resolve();
      }
    });
    watch.observe(body, { attributes: true, attributeFilter: ["data-desk-polls", "data-ready"] });
    setTimeout(resolve, 15_000);
  });
  return Promise.all([loaded, firstData]).then(
    () =>
      new Promise((resolve) => {
        if ("requestIdleCallback" in window) window.requestIdleCallback(() => resolve(), { timeout: 3000 });
        else setTimeout(resolve, 500);
      }),
  );
}

let leaving = false; // signing out: no service worker is registered any more
let registering = null; // a registration under way (signing out waits for it, then removes it)

async function register() {
  if (!("serviceWorker" in navigator) || !user || leaving) return;
  const worker = new Workbox("/sw.js");
  // the first visit, and a new build taking over (the device may be cleared meanwhile: nothing to say then)
  worker.addEventListener("controlling", () => ready(worker).catch(() => null));
  registering = worker.register();
  await registering;
  if (navigator.serviceWorker.controller) await ready(worker);
}

/** The page is served by the service worker: say which build (data-offline-version, for the tests too) and
 * have the pages of the person's work read ahead. */
async function ready(worker) {
  try {
    document.documentElement.dataset.offlineVersion = await worker.messageSW({ type: "version" });
  } catch {
    return;
  }
  await warm(worker);
}

/** Ask the service worker to read the pages of the person's work now, at most every half hour. */
async function warm(worker) {
  const urls = (area?.dataset.keep || "").split(" ").filter(Boolean);
  const last = Number((await meta("kept_at")) || 0);
  if (!urls.length || !navigator.onLine || Date.now() - last < 30 * 60 * 1000) return;
  await meta("kept_at", Date.now());
  const kept = await worker.messageSW({ type: "keep", urls }).catch(() => 0);
  document.documentElement.dataset.offlineKept = String(kept);
}

// ---- signing out clears the device ----

async function clearDevice() {
  leaving = true;
  await registering?.catch(() => null);
  const keys = "caches" in window ? await caches.keys() : [];
  await Promise.all(keys.map((name) => caches.delete(name)));
  await clearAll();
  const registrations = "serviceWorker" in navigator ? await navigator.serviceWorker.getRegistrations() : [];
  await Promise.all(registrations.map((registration) => registration.unregister()));
}

for (const form of document.querySelectorAll('form[action="/logout"]')) {
  form.addEventListener("submit", async (event) => {
    if (form.dataset.cleared === "1") return;
    event.preventDefault();
    const left = (await waiting()).filter((i) => i.state === "waiting" || i.state === "sending");
    if (left.length && form.dataset.warned !== "1") {
      const t = await text();
      form.dataset.warned = "1";
      await show((t.sign_out_waiting || "").replace("{count}", String(left.length)));
      return;
    }
    try {
      await clearDevice();
    } finally {
      form.dataset.cleared = "1";
      form.submit();
    }
  });
}

// ---- start ----

async function start() {
  if (!area) return;
  if (user) {
    const before = await meta("user");
    if (before !== user) await meta("user", user);
    for (const item of await waiting()) if (item.state === "sent") await forget(item.key); // seen on a page
  }
  await show(window.location.hash === "#kept" ? (await text()).kept : "");
  if (!navigator.onLine) senderFields();
  window.addEventListener("online", () => {
    show();
    senderFields();
    send().catch(() => null);
  });
  window.addEventListener("offline", () => {
    show();
    senderFields();
  });
  setInterval(() => send().catch(() => null), 30_000); // a connection back without an "online" event
  await send().catch(() => null);
  await afterLoad();
  register().catch(() => null);
}

window.pochubOffline = { send, waiting, update, clearDevice, show }; // for the browser tests
start().catch(() => null); // no IndexedDB (a private window): the pages work as before
