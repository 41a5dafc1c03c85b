// The live alert desk: the inbox and an alert's page ask the server every few seconds whether anything changed
// (an ETag: an unchanged desk answers 304 with no body), redraw the list in place, say when they last checked,
// count new and overdue alerts in the tab's title, and, when the user turns it on (off by default, remembered in
// this browser), flash and beep for a new immediate alert. Text from data becomes text nodes, never HTML.
import "./lazy_bundle.js"; // the inbox's chart, fetched when it comes near the screen
const configElement = document.getElementById("alert-live-config");
const config = configElement ? JSON.parse(configElement.textContent) : null;
const CUE_KEY = "pochub.alertCue";

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === "") continue;
    node.append(typeof child === "string" || typeof child === "number" ? String(child) : child);
  }
  return node;
}

function timeNode(times) {
  if (!times) return "";
  return element("time", { datetime: times.iso, title: times.utc }, times.local);
}

function fill(template, values) {
  return template
    .replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole))
    .replace(/%\((\w+)\)s/g, (whole, key) => (key in values ? String(values[key]) : whole));
}

// A deadline in words, as the server says it: "(in 2 h 10 min)" or "(45 min late)".
function dueWords(times) {
  if (!times) return "";
  const minutes = Math.floor((Date.parse(times.iso) - Date.now()) / 60000);
  const m = Math.abs(minutes);
  const s = config.strings;
  const span =
    m >= 2880
      ? fill(s.days_hours, { days: Math.floor(m / 1440), hours: Math.floor((m % 1440) / 60) })
      : m >= 60
        ? fill(s.hours_minutes, { hours: Math.floor(m / 60), minutes: m % 60 })
        : fill(s.minutes, { minutes: m });
  return element("span", { class: "due-words" }, `(${fill(minutes >= 0 ? s.in_time : s.late, { time: span })})`);
}

function overdueFlag() {
  return element("strong", { class: "overdue-flag" }, element("span", { "aria-hidden": "true" }, "⚠ "), config.strings.overdue);
}

// each cell names its column, as the server's rows do (a phone shows the rows as cards: "Urgency: immediate")
function labelCells(tr) {
  const headers = [...document.querySelectorAll("table.inbox thead th")].map((th) => th.textContent.trim());
  [...tr.children].forEach((cell, index) => {
    if (cell.tagName === "TD" && headers[index]) cell.setAttribute("data-label", headers[index]);
  });
  return tr;
}

function row(item) {
  const labels = config.labels;
  const link = element("a", { href: `${config.alertBase}/${encodeURIComponent(item.reference)}` }, item.reference);
  const head = element("th", { scope: "row" }, link, element("br"), element("span", { class: "excerpt" }, item.excerpt));
  const step = element("td", { class: "next" });
  if (item.next_step) {
    step.append(labels.steps[item.next_step] || item.next_step, element("br"), `${config.strings.due} `, timeNode(item.due), " ", dueWords(item.due));
  } else {
    step.append(config.strings.nothing_left);
  }
  if (item.overdue) step.append(element("br"), overdueFlag());
  if (item.escalation_level) {
    const text = item.escalation_level > 1 ? fill(config.strings.escalated_times, { count: item.escalation_level }) : config.strings.escalated_once;
    step.append(element("br"), element("span", { class: "escalated" }, text));
  }
  const placeCell = element("td");
  if (item.pcode) placeCell.append(`${item.area} `, element("span", { class: "code" }, item.pcode));
  if (item.location_text) placeCell.append(element("br"), item.location_text);
  return labelCells(element(
    "tr",
    { class: `alert-row${item.overdue ? " overdue" : ""}`, "data-reference": item.reference },
    head,
    element("td", {}, element("span", { class: `urgency urgency-${item.urgency}` }, labels.urgencies[item.urgency] || item.urgency)),
    element("td", {}, labels.states[item.state] || item.state),
    step,
    element("td", {}, timeNode(item.received)),
    placeCell,
    element("td", {}, item.threat_type ? labels.threats[item.threat_type] || item.threat_type : config.strings.not_classified),
    element("td", {}, item.field_office),
    element("td", { class: "number" }, String(item.reports)),
  ));
}

function cueOn() {
  return window.localStorage.getItem(CUE_KEY) === "on";
}

function beep() {
  try {
    const AudioContext = window.AudioContext || window.webkitAudioContext;
    const audio = new AudioContext();
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.value = 0.2;
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.4);
  } catch (error) {
    // no sound available: the visual cue remains
  }
}

function setTitle(desk) {
  const parts = [];
  if (desk.new) parts.push(fill(config.strings.title_new, { count: desk.new }));
  if (desk.overdue) parts.push(fill(config.strings.title_overdue, { count: desk.overdue }));
  document.title = parts.length ? `(${parts.join(", ")}) ${config.title}` : config.title;
}

function setChecked(text) {
  const status = document.getElementById("desk-updated");
  if (status && text) status.replaceChildren(fill(config.strings.updated_at, { time: text }));
}

let version = null;
let known = null;

function drawInbox(desk) {
  const body = document.querySelector("table.inbox tbody");
  if (!body) return;
  const before = known;
  known = new Set(desk.items.map((item) => item.reference));
  const rows = desk.items.map(row);
  if (!rows.length) {
    rows.push(element("tr", {}, element("td", { colspan: "9" }, config.strings.none)));
  }
  body.replaceChildren(...rows);
  const count = document.getElementById("inbox-count");
  if (count) {
    count.replaceChildren(fill(config.strings.found, { count: desk.total }));
    const overdue = desk.items.filter((item) => item.overdue).length;
    if (overdue) count.append(" ", element("strong", { class: "overdue-flag" }, element("span", { "aria-hidden": "true" }, "⚠ "), fill(config.strings.overdue_here, { count: overdue })));
  }
  if (before) {
    const fresh = desk.items.filter((item) => !before.has(item.reference));
    for (const item of fresh) body.querySelector(`tr[data-reference="${CSS.escape(item.reference)}"]`)?.classList.add("fresh");
    if (cueOn() && fresh.some((item) => item.urgency === "immediate")) {
      document.body.classList.add("immediate-cue");
      window.setTimeout(() => document.body.classList.remove("immediate-cue"), 3000);
      beep();
    }
  }
}

function drawAlert(state) {
  version = state.version;
  const notice = document.getElementById("alert-changed");
  if (!notice) return;
  const stateText = document.getElementById("alert-state");
  if (stateText) stateText.replaceChildren(config.labels.states[state.state] || state.state);
  const step = document.getElementById("alert-next-step");
  if (step) {
    step.replaceChildren();
    if (state.next_step) step.append(config.labels.steps[state.next_step] || state.next_step, `, ${config.strings.due} `, timeNode(state.due), " ", dueWords(state.due));
    else step.append(config.strings.nothing_left);
  }
  const link = element("a", { href: window.location.pathname }, config.strings.reload);
  notice.replaceChildren(config.strings.changed, " ", link);
  notice.hidden = false;
}

function localNow() {
  const parts = new Intl.DateTimeFormat("sv-SE", {
    timeZone: config.zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    timeZoneName: "short",
  }).format(new Date());
  return parts;
}

function countFromRows() {
  const rows = [...document.querySelectorAll("table.inbox tbody tr[data-reference]")];
  return {
    new: rows.filter((tr) => tr.dataset.state === "received").length,
    overdue: rows.filter((tr) => tr.classList.contains("overdue")).length,
  };
}

// A page whose list has no JSON of its own (the exercise feed): fetch the page again, under the same access
// rules, and swap its list, counts and messages for the new ones (the server's escaped rendering, as on a load).
async function pollPage() {
  const response = await fetch(config.url, { credentials: "same-origin", cache: "no-store" });
  if (response.status !== 200) throw new Error(String(response.status));
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  const before = new Set([...document.querySelectorAll("table.inbox tbody tr[data-reference]")].map((tr) => tr.dataset.reference));
  for (const selector of ["table.inbox tbody", "#inbox-count", ".exercise-messages", ".exercise-banner"]) {
    const old = document.querySelector(selector);
    const next = fresh.querySelector(selector);
    if (old && next) old.replaceWith(document.importNode(next, true));
  }
  for (const tr of document.querySelectorAll("table.inbox tbody tr[data-reference]")) {
    if (!before.has(tr.dataset.reference)) tr.classList.add("fresh");
  }
  setTitle(countFromRows());
  setChecked(localNow());
}

async function poll() {
  if (config.kind === "page") {
    try {
      await pollPage();
      document.body.dataset.deskPolls = String(Number(document.body.dataset.deskPolls || 0) + 1);
    } catch (error) {
      // the next poll tries again
    }
    window.setTimeout(poll, config.seconds * 1000);
    return;
  }
  try {
    const headers = version ? { "If-None-Match": `"${version}"` } : {};
    const response = await fetch(config.url, { headers, credentials: "same-origin", cache: "no-store" });
    setChecked(response.headers.get("X-Checked-At"));
    if (response.status === 200) {
      const answer = await response.json();
      if (config.kind === "inbox") {
        version = (response.headers.get("ETag") || "").replace(/"/g, "");
        setTitle(answer);
        drawInbox(answer);
      } else if (answer.version !== version) {
        drawAlert(answer);
      }
    }
    document.body.dataset.deskPolls = String(Number(document.body.dataset.deskPolls || 0) + 1);
  } catch (error) {
    setChecked(null);
  }
  window.setTimeout(poll, config.seconds * 1000);
}

function start() {
  if (!config) return;
  const cue = document.getElementById("immediate-cue");
  if (cue) {
    cue.checked = cueOn();
    cue.addEventListener("change", () => window.localStorage.setItem(CUE_KEY, cue.checked ? "on" : "off"));
  }
  if (config.kind === "page") {
    setTitle(countFromRows());
  } else if (config.kind === "inbox") {
    known = new Set([...document.querySelectorAll("table.inbox tbody tr[data-reference]")].map((tr) => tr.dataset.reference));
  } else {
    version = config.version;
  }
  poll();
}

start();
