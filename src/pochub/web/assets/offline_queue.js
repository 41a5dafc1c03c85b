// What is kept on this device while the connection is down (IndexedDB, through idb): the writes waiting to be
// sent (alerts, engagements, action point steps, alert actions), each with the idempotency key it is sent with,
// and who is signed in. Shared by the pages (offline.js) and the service worker (sw.js). Sender details and the
// CSRF token are never kept: the one is protected, the other is fetched fresh when the writes are sent.
import { openDB, deleteDB } from "idb";

export const DATABASE = "pochub-offline";
const OUTBOX = "outbox";
const META = "meta";

/** The writes a page may leave waiting, by the address they are posted to. */
const KINDS = [
  ["alert", /^\/alerts\/new$/],
  ["engagement", /^\/engagements\/new$/],
  ["action_point", /^\/action-points\/\d+$/],
  ["alert_action", /^\/alerts\/[A-Za-z0-9-]{1,32}\/[a-z_]{3,40}$/],
];

/** Fields never written to the device: the informant's identity (protected) and the session's CSRF token. */
export const NEVER_KEPT = new Set(["csrf_token", "sender_name", "sender_number", "idempotency_key"]);

/** The kind of write posted to ``path`` ("alert", ...), or null when it is not one kept offline. */
export function kindOf(path) {
  const found = KINDS.find(([, pattern]) => pattern.test(path));
  return found ? found[0] : null;
}

function database() {
  return openDB(DATABASE, 1, {
    upgrade(db) {
      db.createObjectStore(OUTBOX, { keyPath: "key" });
      db.createObjectStore(META);
    },
  });
}

/** A short line that names the write in the list of what waits (what the person typed first). */
function summary(kind, fields, path) {
  const value = (name) => (fields.find(([key]) => key === name) || [, ""])[1];
  const text = {
    alert: value("text"),
    engagement: value("community_id"),
    action_point: `${path.split("/").pop()} · ${value("step")}`,
    alert_action: path.split("/").slice(2).join(" · "),
  }[kind];
  return String(text || "").slice(0, 80);
}

/** Keep a write posted to ``path`` with ``form`` (FormData) for ``user``; the kept item. Protected fields are
 * left out (``dropped`` says whether any was filled in). */
export async function keep(path, form, user) {
  const kind = kindOf(path);
  const fields = [];
  let dropped = false;
  for (const [name, value] of form.entries()) {
    if (typeof value !== "string") continue;
    if (NEVER_KEPT.has(name)) {
      dropped = dropped || (name.startsWith("sender_") && value.trim() !== "");
      continue;
    }
    fields.push([name, value]);
  }
  const item = {
    key: crypto.randomUUID(),
    kind,
    path,
    fields,
    user: user || "",
    label: summary(kind, fields, path),
    at: new Date().toISOString(),
    state: "waiting",
    dropped,
    location: "",
  };
  const db = await database();
  await db.put(OUTBOX, item);
  db.close();
  return item;
}

/** Every kept write, oldest first. */
export async function waiting() {
  const db = await database();
  const items = await db.getAll(OUTBOX);
  db.close();
  return items.sort((a, b) => a.at.localeCompare(b.at));
}

/** Store ``item`` as it now stands (its state after a send). */
export async function update(item) {
  const db = await database();
  await db.put(OUTBOX, item);
  db.close();
}

/** Forget the write of ``key`` (sent and seen, or discarded by the person). */
export async function forget(key) {
  const db = await database();
  await db.delete(OUTBOX, key);
  db.close();
}

/** A value kept beside the writes ("user": who is signed in on the pages; "kept_at": the last warm-up). */
export async function meta(name, value) {
  const db = await database();
  if (value !== undefined) await db.put(META, value, name);
  const found = await db.get(META, name);
  db.close();
  return found;
}

/** Delete everything this module keeps on the device (signing out). */
export function clearAll() {
  return deleteDB(DATABASE);
}
