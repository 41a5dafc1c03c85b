// The operational picture: admin areas as the offline base map (no tile server), events (H3 cells when zoomed
// out, points when zoomed in), communities, bases and their units, a time slider and a details panel.
// Every string shown comes translated from the page (#map-config); every request goes to this server only.
// Low bandwidth (a 2G line): the map frames the mission from the page's extent before asking anything, a layer
// is asked for only while its switch is on, and always for the visible box (and the zoom, for lines and shapes:
// the server simplifies them to a pixel); moving the map asks again only what the new view lacks.
import L from "leaflet";
import "leaflet/dist/leaflet.css";
import "./map.css";
import { asText } from "./page_text.js";

const config = JSON.parse(document.getElementById("map-config").textContent);
const text = config.strings;
const POINT_ZOOM = 9; // from this zoom on, events are drawn one by one
const POINT_LIMIT = 3000;

const wanted = new URLSearchParams(window.location.search); // ?area=P-CODE&end=YYYY-MM&length=N (from the matrix)
const numberFormat = new Intl.NumberFormat(config.language);
const monthFormat = new Intl.DateTimeFormat(config.language, { month: "short", year: "numeric", timeZone: "UTC" });

const map = L.map("map", {
  preferCanvas: true,
  zoomSnap: 0.5,
  zoomControl: false,
  attributionControl: false,
  minZoom: 4,
  maxZoom: 14,
  keyboardPanDelta: 120,
});
L.control.zoom({ zoomInTitle: text.zoom_in, zoomOutTitle: text.zoom_out }).addTo(map);
L.control.scale({ imperial: false }).addTo(map);
map.getContainer().setAttribute("aria-label", text.map_label);
map.setView([0, 20], 5);

const layers = {
  areas: L.layerGroup(),
  events: L.layerGroup(),
  communities: L.layerGroup(),
  perceived: L.layerGroup(),
  bases: L.layerGroup(),
  roads: L.layerGroup(),
  hotspots: L.layerGroup(),
  emerging: L.layerGroup(),
  gaps: L.layerGroup(),
  reach: L.layerGroup(),
};
/** Is the layer's switch on (a layer without a switch always is)? */
function shown(name) {
  const box = document.querySelector(`input[data-layer="${name}"]`);
  return !box || box.checked;
}
// the first view answers "where is it happening and where are we": the switches checked in the page (areas,
// events, bases, open alerts) start on the map; the others wait to be switched on, and are not even asked for
for (const [name, group] of Object.entries(layers)) {
  if (shown(name)) group.addTo(map);
}
map.createPane("areasPane").style.zIndex = 250;
window.pochubMap = { L, map, show, getJSON }; // for the layers other bundles add (alert_layer.js)
map.createPane("roadsPane").style.zIndex = 260;
map.createPane("cellsPane").style.zIndex = 300;

// ---- requests ----
const status = document.getElementById("map-status");
function say(message) {
  status.textContent = message;
}

async function getJSON(url, signal) {
  const response = await fetch(url, { signal, credentials: "same-origin", headers: { Accept: "application/json" } });
  if (response.status === 401) {
    window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname)}`);
    throw new Error("signed out");
  }
  if (!response.ok) {
    const error = new Error(`${response.status} ${url}`);
    error.status = response.status;
    throw error;
  }
  return response.json();
}

/** Every page of a paged list (features of a FeatureCollection, or items). */
async function getAll(url, key = "features", signal = undefined) {
  const collected = [];
  let next = url;
  while (next) {
    const page = await getJSON(next, signal);
    collected.push(...(page[key] || []));
    next = page.next ? page.next.replace(/^https?:\/\/[^/]+/, "") : null;
  }
  return collected;
}

function unavailable(layer) {
  const box = document.querySelector(`input[data-layer="${layer}"]`);
  if (box) {
    box.disabled = true;
    box.closest("label").append(` (${text.not_available})`);
  }
}

// ---- the details panel ----
const panel = document.getElementById("details-body");
const panelTitle = document.getElementById("details-title");

function show(title, rows, extra) {
  panelTitle.textContent = title;
  panel.replaceChildren();
  const list = document.createElement("dl");
  for (const [label, value] of rows) {
    if (value === null || value === undefined || value === "") continue;
    const term = document.createElement("dt");
    term.textContent = label;
    const definition = document.createElement("dd");
    definition.textContent = value;
    list.append(term, definition);
  }
  panel.append(list);
  if (extra) panel.append(extra);
  const details = document.getElementById("details");
  details.focus({ preventScroll: true });
  // beside the map (a wide screen), the side panel scrolls to the details; the page itself never moves
  const side = details.closest(".side");
  if (side && side.scrollHeight > side.clientHeight + 1) {
    side.scrollTop += details.getBoundingClientRect().top - side.getBoundingClientRect().top;
  }
}

const label = (table, key) => (key ? (config[table] && config[table][key]) || key : "");
const yesNo = (value) => (value ? text.yes : text.no);
// null is unknown (the imported file did not say), never "no"
const yesNoUnknown = (value) => (value === null || value === undefined ? text.unknown_value : yesNo(value));
const count = (value) => (value === null || value === undefined ? "" : numberFormat.format(value));

// ---- admin areas ----
async function fetchAreas(view, signal) {
  const [regions, districts] = await Promise.all([
    getAll(`/api/v1/areas?level=1&limit=5000&${view}`, "features", signal),
    getAll(`/api/v1/areas?level=2&limit=5000&${view}`, "features", signal),
  ]);
  return { regions, districts };
}

let focused = false;
function drawAreas({ regions, districts }) {
  layers.areas.clearLayers();
  const districtLayer = L.geoJSON(districts, {
    pane: "areasPane",
    style: { color: "#6b7a8f", weight: 1, fillColor: "#eef1ea", fillOpacity: 1 },
    onEachFeature: (feature, layer) => {
      layer.on("click", () => showArea(feature.properties));
      layer.bindTooltip(asText(feature.properties.name), { sticky: true });
    },
  });
  const regionLayer = L.geoJSON(regions, {
    pane: "areasPane",
    interactive: false,
    style: { color: "#3d4a5c", weight: 2.5, fill: false },
  });
  layers.areas.addLayer(districtLayer).addLayer(regionLayer);
  const focus = focusArea(districtLayer, regionLayer);
  if (focus && !focused) {
    // the area the URL asks for, framed once (the areas are then asked again at the closer zoom)
    focused = true;
    showArea(focus.feature.properties);
    firstView = { bounds: focus.getBounds(), padding: [20, 20] };
    frame();
  }
}

/** The mission's box (from the page): framed before any layer is asked for, so that each asks for that view. */
function frameMission() {
  if (!config.extent) return;
  const [west, south, east, north] = config.extent;
  const bounds = L.latLngBounds([south, west], [north, east]);
  firstView = { bounds, padding: [12, 12] };
  frame();
  // bounded only once framed: bounding the first view (far away) started a pan that, ending after the
  // framing, moved the mission a third of the map north and cut its south off
  map.setMaxBounds(bounds.pad(0.5));
}

/** The area the URL asks for (a threat's evidence), outlined; null if none. */
function focusArea(...groups) {
  const pcode = wanted.get("area");
  let found = null;
  for (const group of groups) {
    group.eachLayer((layer) => {
      if (pcode && !found && layer.feature.properties.pcode === pcode) found = layer;
    });
  }
  if (found) found.setStyle({ color: "#0d3b66", weight: 4 });
  return found;
}

// The first view shows the whole mission (or the area the URL asks for). The map's box may still change size
// after it is framed (the page's layout settling, the window resized): until the user moves or zooms the map,
// it is framed again to the new size, so the south of the mission is never left below the box's edge.
let firstView = null;
let userMoved = false;
function frame() {
  if (!firstView || userMoved) return;
  map.invalidateSize({ pan: false });
  map.fitBounds(firstView.bounds, { padding: firstView.padding, animate: false });
}
for (const kind of ["pointerdown", "wheel", "keydown", "touchstart"]) {
  map.getContainer().addEventListener(kind, () => (userMoved = true), { passive: true });
}
if (window.ResizeObserver) new ResizeObserver(() => frame()).observe(map.getContainer());

function showArea(area) {
  show(area.name, [
    [text.kind, text.admin_area],
    [text.pcode, area.pcode],
    [text.level, area.level],
    [text.parent, area.parent_pcode],
  ]);
}

// ---- events ----
const monthInput = document.getElementById("period-end");
const lengthInput = document.getElementById("period-length");
const periodOutput = document.getElementById("period-label");
let eventsRequest = null;
// the time bar's controls act as they change; pressing Enter in them does not send the page anywhere
document.getElementById("timebar").addEventListener("submit", (event) => event.preventDefault());
if (wanted.has("end") && config.months.includes(wanted.get("end"))) monthInput.value = config.months.indexOf(wanted.get("end"));
if ([...lengthInput.options].some((option) => option.value === wanted.get("length"))) lengthInput.value = wanted.get("length");

function monthStart(month) {
  return `${month}-01`;
}
function monthEnd(month) {
  const [year, number] = month.split("-").map(Number);
  const last = new Date(Date.UTC(year, number, 0)).getUTCDate();
  return `${month}-${String(last).padStart(2, "0")}`;
}
function monthName(month) {
  const [year, number] = month.split("-").map(Number);
  return monthFormat.format(new Date(Date.UTC(year, number - 1, 1)));
}

/** The period the slider shows: [first date, last date] (null when there are no events). */
function period() {
  if (!config.months.length) return null;
  const end = Number(monthInput.value);
  const length = lengthInput.value === "all" ? config.months.length : Number(lengthInput.value);
  const start = Math.max(0, end - length + 1);
  return { start: config.months[start], end: config.months[end] };
}

function describePeriod() {
  const chosen = period();
  if (!chosen) {
    periodOutput.textContent = text.no_events;
    return;
  }
  const value =
    chosen.start === chosen.end ? monthName(chosen.end) : `${monthName(chosen.start)} – ${monthName(chosen.end)}`;
  periodOutput.textContent = value;
  monthInput.setAttribute("aria-valuetext", monthName(chosen.end));
}

function viewBox() {
  const b = map.getBounds().pad(0.15);
  const clamp = (v, low, high) => Math.min(high, Math.max(low, v));
  return [
    clamp(b.getWest(), -180, 180),
    clamp(b.getSouth(), -90, 90),
    clamp(b.getEast(), -180, 180),
    clamp(b.getNorth(), -90, 90),
  ]
    .map((v) => v.toFixed(4))
    .join(",");
}

function resolutionFor(zoom) {
  return Math.max(2, Math.min(6, Math.floor(zoom) - 3));
}

const CELL_CLASSES = [1, 3, 10, 25, 50];
const CELL_COLOURS = ["#fde4c2", "#fdb97d", "#f4804a", "#d9492b", "#a3161b"];
function cellColour(events) {
  let index = 0;
  CELL_CLASSES.forEach((threshold, i) => {
    if (events >= threshold) index = i;
  });
  return CELL_COLOURS[index];
}

let lastAsked = null;
function detailFor(zoom) {
  return zoom >= POINT_ZOOM ? "points" : resolutionFor(zoom);
}

async function loadEvents() {
  const chosen = period();
  describePeriod();
  if (!shown("events")) {
    lastAsked = null; // switched off: asked for when switched on again
    return;
  }
  lastAsked = { box: map.getBounds().pad(0.15), detail: detailFor(map.getZoom()) };
  layers.events.clearLayers();
  if (!chosen) return;
  if (eventsRequest) eventsRequest.abort();
  eventsRequest = new AbortController();
  const signal = eventsRequest.signal;
  const zoom = map.getZoom();
  const params = new URLSearchParams({ bbox: viewBox(), start: monthStart(chosen.start), end: monthEnd(chosen.end) });
  say(text.loading);
  try {
    if (zoom >= POINT_ZOOM) {
      params.set("limit", POINT_LIMIT);
      const data = await getJSON(`/api/v1/events?${params}`, signal);
      drawEventPoints(data.features);
      say(
        data.truncated
          ? text.events_truncated.replace("{count}", count(data.features.length))
          : text.events_shown.replace("{count}", count(data.features.length)),
      );
    } else {
      params.set("resolution", resolutionFor(zoom));
      const data = await getJSON(`/api/v1/events/cells?${params}`, signal);
      drawEventCells(data.features);
      say(
        text.events_in_cells
          .replace("{count}", count(data.events))
          .replace("{cells}", count(data.features.length)),
      );
    }
    document.body.dataset.eventsReady = zoom >= POINT_ZOOM ? "points" : "cells";
  } catch (error) {
    if (error.name === "AbortError") return;
    if (error.message !== "signed out") {
      say(text.load_failed);
      unavailable("events");
    }
  }
}

function drawEventCells(features) {
  const layer = L.geoJSON(features, {
    style: (feature) => ({
      color: "#7a2a12",
      weight: 0.5,
      fillColor: cellColour(feature.properties.events),
      fillOpacity: 0.75,
    }),
    onEachFeature: (feature, shape) => {
      shape.on("click", () => showCell(feature.properties, shape));
    },
  });
  layers.events.addLayer(layer);
}

function drawEventPoints(features) {
  const layer = L.geoJSON(features, {
    pointToLayer: (feature, latlng) =>
      L.circleMarker(latlng, {
        radius: 3 + Math.min(6, Math.sqrt(feature.properties.fatalities_best || 0)),
        color: "#4b1010",
        weight: 0.8,
        fillColor: feature.properties.threat_type ? "#c62828" : "#8d8d8d",
        fillOpacity: 0.85,
      }),
    onEachFeature: (feature, marker) => marker.on("click", () => showEvent(feature)),
  });
  layers.events.addLayer(layer);
}

function showCell(cell, shape) {
  const zoomIn = document.createElement("button");
  zoomIn.type = "button";
  zoomIn.textContent = text.zoom_to_events;
  zoomIn.addEventListener("click", () => map.fitBounds(shape.getBounds(), { maxZoom: POINT_ZOOM }));
  show(
    text.events_here,
    [
      [text.period, periodOutput.textContent],
      [text.events, count(cell.events)],
      [text.fatalities, count(cell.fatalities)],
      [text.civilian_fatalities, count(cell.civilian_fatalities)],
      [text.main_threat, label("threats", cell.threat_type)],
      [text.cell, cell.cell],
    ],
    zoomIn,
  );
}

function showEvent(event) {
  const p = event.properties;
  show(label("categories", p.category) || text.event, [
    [text.date, p.event_date],
    [text.threat, label("threats", p.threat_type)],
    [text.event_type, [p.source_event_type, p.source_sub_event_type].filter(Boolean).join(" – ")],
    [text.location, [p.location, p.admin2_name, p.admin1_name].filter(Boolean).join(", ")],
    [text.actors, [p.actor1, p.actor2].filter(Boolean).join(" / ")],
    [text.fatalities, count(p.fatalities_best)],
    [text.civilian_fatalities, count(p.civilian_fatalities)],
    [text.source, [p.source, p.source_id].filter(Boolean).join(" ")],
    [text.source_grade, p.source_grade],
    [text.notes, p.notes],
  ]);
}

// ---- communities ----
const RISK_COLOURS = {
  "very low": "#2e7d32",
  low: "#9ccc65",
  medium: "#fbc02d",
  high: "#ef6c00",
  unacceptable: "#b71c1c",
};
const UNKNOWN_RISK = "#5c6bc0";
let areaRisk = {};

const BAND_ORDER = ["very low", "low", "medium", "high", "unacceptable"];

/** The highest risk band of each admin area in the threat matrix (communities take their area's). */
async function loadAreaRisk() {
  try {
    const rows = await getAll("/api/v1/threats?limit=1000", "items");
    const risk = {};
    for (const row of rows) {
      const current = risk[row.area_pcode];
      if (!current || BAND_ORDER.indexOf(row.band) > BAND_ORDER.indexOf(current)) risk[row.area_pcode] = row.band;
    }
    areaRisk = risk;
  } catch (error) {
    areaRisk = {};
  }
}

async function fetchCommunities(view, signal) {
  // one cached response with each community's risk band (server-side); the paged API is the fallback
  try {
    return await getJSON(`/map/communities.json?${view}`, signal);
  } catch (error) {
    if (error.message === "signed out" || error.name === "AbortError") throw error;
    const [features] = await Promise.all([getAll(`/api/v1/communities?limit=5000&${view}`, "features", signal), loadAreaRisk()]);
    return { features };
  }
}

function drawCommunities(data) {
  layers.communities.clearLayers();
  note("communities", data.truncated ? text.communities_truncated.replace("{count}", count(data.features.length)) : "");
  const layer = L.geoJSON(data.features, {
    pointToLayer: (feature, latlng) =>
      L.circleMarker(latlng, {
        radius: Math.max(3, Math.min(9, Math.sqrt(feature.properties.population) / 25)),
        color: "#ffffff", // a white ring tells communities from events (dark rings)
        weight: 1.5,
        fillColor: RISK_COLOURS[riskOf(feature.properties)] || UNKNOWN_RISK,
        fillOpacity: 0.9,
      }),
    onEachFeature: (feature, marker) => marker.on("click", () => showCommunity(feature.properties)),
  });
  layers.communities.addLayer(layer);
}

/** A community's risk band: the highest band of the threats of its admin area (or the areas above it). */
function riskOf(community) {
  if (community.risk_band) return community.risk_band;
  let best = null;
  for (const [pcode, band] of Object.entries(areaRisk)) {
    if (community.pcode && community.pcode.startsWith(pcode) && BAND_ORDER.indexOf(band) > BAND_ORDER.indexOf(best)) best = band;
  }
  return best;
}

function showCommunity(c) {
  show(c.name, [
    [text.kind, text.community],
    [text.population, c.population === null ? text.unknown_value : count(c.population)],
    [text.risk, label("bands", riskOf(c)) || text.not_assessed],
    [text.pcode, c.pcode],
    [text.vulnerable_groups, (c.vulnerable_groups || []).map((g) => label("groups", g).replace(/_/g, " ")).join(", ")],
    [text.self_protection, (c.self_protection_capacities || []).join(", ")],
    [text.focal_point, yesNo(c.has_focal_point)],
    [text.phone_coverage, yesNoUnknown(c.phone_coverage)],
    [text.radio_coverage, yesNoUnknown(c.radio_coverage)],
  ]);
}

// ---- perceived insecurity: what communities say in the latest perception survey ----
const PERCEIVED_COLOURS = [
  [0.6, "#7f0000"],
  [0.4, "#d7301f"],
  [0.2, "#fc8d59"],
  [0, "#fdd49e"],
];
const percent = (share) => `${Math.round(share * 100)} %`;

async function fetchPerceived(view, signal) {
  return getJSON(`/map/perceived.json?${view}`, signal);
}

function drawPerceived(data) {
  layers.perceived.clearLayers();
  const layer = L.geoJSON(data.features, {
    pointToLayer: (feature, latlng) =>
      L.circleMarker(latlng, {
        radius: 7,
        color: "#3f2a56", // a violet ring: what people say, not what was recorded
        weight: 2,
        fillColor: PERCEIVED_COLOURS.find(([floor]) => feature.properties.unsafe >= floor)[1],
        fillOpacity: 0.85,
      }),
    onEachFeature: (feature, marker) =>
      marker.on("click", () => {
        const p = feature.properties;
        show(p.name, [
          [text.kind, text.perceived_kind],
          [text.perceived_unsafe, `${percent(p.unsafe)} (${percent(p.low)}–${percent(p.high)})`],
          [text.perceived_respondents, count(p.respondents)],
          [text.perceived_survey, `${p.survey}, ${p.wave}`],
          [text.pcode, p.pcode],
        ]);
      }),
  });
  layers.perceived.addLayer(layer);
}

// ---- bases and units ----
const BASE_LETTERS = { mission_hq: "M", sector_hq: "S", company_operating_base: "C", temporary_operating_base: "T" };
let unitsByBase = {};

let units = null; // the units (not a map layer: what a base's panel lists), asked for once
async function fetchBases(view, signal) {
  const [bases, all] = await Promise.all([
    getAll(`/api/v1/bases?limit=5000&${view}`, "features", signal),
    units || getAll("/api/v1/units?limit=5000", "items", signal),
  ]);
  units = all;
  return bases;
}

function drawBases(bases) {
  layers.bases.clearLayers();
  unitsByBase = {};
  for (const unit of units) (unitsByBase[unit.home_base.base_id] ||= []).push(unit);
  for (const base of bases) {
    const [lon, lat] = base.geometry.coordinates;
    const p = base.properties;
    const marker = L.marker([lat, lon], {
      icon: L.divIcon({
        className: `base-icon base-${p.base_type}`,
        html: `<span aria-hidden="true">${BASE_LETTERS[p.base_type] || "B"}</span>`,
        iconSize: [20, 20],
      }),
      title: `${p.name} (${label("baseTypes", p.base_type)})`,
      alt: p.name,
      keyboard: true,
      riseOnHover: true,
    });
    marker.on("click", () => showBase(p));
    // a focused base is a button: Enter or Space opens it (Leaflet only makes it focusable)
    marker.on("keypress", (event) => {
      if (event.originalEvent.key === "Enter" || event.originalEvent.key === " ") showBase(p);
    });
    layers.bases.addLayer(marker);
  }
}

function showBase(base) {
  const units = unitsByBase[base.base_id] || [];
  const heading = document.createElement("h3");
  heading.textContent = `${text.units} (${units.length})`;
  const list = document.createElement("ul");
  list.className = "units";
  for (const unit of units) {
    const item = document.createElement("li");
    const name = document.createElement("strong");
    name.textContent = unit.name;
    item.append(
      name,
      document.createElement("br"),
      `${label("unitTypes", unit.unit_type)} · ${text.strength} ${count(unit.strength)} · ` +
        `${text.readiness} ${label("readiness", unit.readiness)} · ${text.tiers} ${(unit.tiers || []).join(", ")}`,
    );
    list.append(item);
  }
  const extra = document.createElement("div");
  extra.append(heading, list);
  show(
    base.name,
    [
      [text.kind, label("baseTypes", base.base_type)],
      [text.capacity, count(base.capacity)],
      [text.pcode, base.pcode],
    ],
    extra,
  );
}

// ---- layer switches, slider, start-up ----
/** A short note beside a layer's switch (empty: none). */
function note(layer, message) {
  const box = document.querySelector(`input[data-layer="${layer}"]`);
  if (!box) return;
  const holder = box.closest("label");
  let span = holder.querySelector(".layer-note");
  if (!message) {
    if (span) span.remove();
    return;
  }
  if (!span) {
    span = document.createElement("span");
    span.className = "layer-note";
    holder.append(" ", span);
  }
  span.textContent = message;
}

/** Hide the legend's groups and entries whose layers are all switched off (the open alerts have their own switch). */
function syncLegend() {
  const on = (name) => {
    const box = document.querySelector(name === "alerts" ? "input[data-alert-layer]" : `input[data-layer="${name}"]`);
    return !box || box.checked;
  };
  for (const entry of document.querySelectorAll("[data-legend-for]")) {
    entry.hidden = !entry.dataset.legendFor.split(" ").some(on);
  }
}
syncLegend();
for (const box of document.querySelectorAll("input[data-layer], input[data-alert-layer]")) {
  box.addEventListener("change", syncLegend);
}

for (const box of document.querySelectorAll("input[data-layer]")) {
  box.addEventListener("change", () => {
    const name = box.dataset.layer;
    const layer = layers[name];
    if (box.checked) {
      map.addLayer(layer);
      // asked for now if never asked, or if the map moved out of what was asked while it was off
      if (name === "events") {
        if (!lastAsked || !lastAsked.box.contains(map.getBounds()) || lastAsked.detail !== detailFor(map.getZoom())) loadEvents();
      } else if (sourceOf[name]) refresh(sourceOf[name]);
    } else map.removeLayer(layer);
  });
}

let pending = null;
function reloadSoon() {
  clearTimeout(pending);
  pending = setTimeout(loadEvents, 200);
}
monthInput.addEventListener("input", describePeriod);
monthInput.addEventListener("change", reloadSoon);
monthInput.addEventListener("input", reloadSoon);
lengthInput.addEventListener("change", reloadSoon);
// a move that stays inside the box last asked for, at the same detail, needs no new request (a resize as the
// side panel fills, a small pan)
map.on("moveend", () => {
  if (!lastAsked || !lastAsked.box.contains(map.getBounds()) || lastAsked.detail !== detailFor(map.getZoom())) reloadSoon();
});

// ---- roads, hot spots, protection gaps and the bases' reach (aggregated and cached on the server) ----
const ROAD_STYLES = {
  primary: { color: "#8a6d3b", weight: 2.6 },
  secondary: { color: "#a58a5a", weight: 1.8 },
  tertiary: { color: "#b9a27a", weight: 1.2 },
  track: { color: "#c8b99a", weight: 0.8, dashArray: "3 3" },
};

async function fetchRoads(view, signal) {
  return getJSON(`/map/roads.json?${view}`, signal);
}

function drawRoads(data) {
  layers.roads.clearLayers();
  const layer = L.geoJSON(data.features, {
    pane: "roadsPane",
    style: (feature) => ({ opacity: 0.9, ...(ROAD_STYLES[feature.properties.road_class] || ROAD_STYLES.track) }),
    onEachFeature: (feature, line) => line.on("click", () => showRoad(feature.properties)),
  });
  layers.roads.addLayer(layer);
}

function showRoad(road) {
  show(label("roadClasses", road.road_class) || text.road, [
    [text.kind, text.road],
    [text.surface, label("surfaces", road.surface)],
  ]);
}

const HOT_COLOURS = { hot99: "#b2182b", hot95: "#ef8a62", hot90: "#fddbc7", cold90: "#d1e5f0", cold95: "#67a9cf", cold99: "#2166ac" };
const PATTERN_COLOURS = { new: "#7b3294", consecutive: "#c2a5cf", intensifying: "#40004b", persistent: "#762a83", diminishing: "#9970ab", sporadic: "#e7d4e8", oscillating: "#d9f0d3", historical: "#a6dba0" };
let hotspotInfo = {};

async function fetchHotspots(view, signal) {
  return getJSON(`/map/hotspots.json?${view}`, signal);
}

function drawHotspots(data) {
  hotspotInfo = data;
  const cells = (keep) => data.features.filter(keep);
  layers.hotspots.clearLayers();
  layers.emerging.clearLayers();
  layers.hotspots.addLayer(L.geoJSON(cells((f) => f.properties.class !== "none"), {
    pane: "cellsPane",
    style: (f) => ({ color: "#5a0f14", weight: 0.6, fillColor: HOT_COLOURS[f.properties.class], fillOpacity: 0.55 }),
    onEachFeature: (feature, shape) => shape.on("click", () => showHotspot(feature.properties)),
  }));
  layers.emerging.addLayer(L.geoJSON(cells((f) => f.properties.pattern), {
    pane: "cellsPane",
    style: (f) => ({ color: "#3f1d4d", weight: 1, fillColor: PATTERN_COLOURS[f.properties.pattern] || "#c2a5cf", fillOpacity: 0.6 }),
    onEachFeature: (feature, shape) => shape.on("click", () => showHotspot(feature.properties)),
  }));
}

function showHotspot(cell) {
  show(text.hotspot_cell, [
    [text.hotspot_class, label("hotspotClasses", cell.class)],
    [cell.p_basis === "raw" ? text.hotspot_p_raw : text.hotspot_p_fdr, cell.p === null || cell.p === undefined ? "" : String(cell.p)],
    [text.gi_z, cell.z === null || cell.z === undefined ? "" : cell.z.toFixed(2)],
    [
      text.hotspot_area,
      cell.area_pcode === "outside the boundaries"
        ? text.outside_boundaries
        : cell.area_name
          ? `${cell.area_name} (${cell.area_pcode})`
          : "",
    ],
    [text.hotspot_community, cell.community ? text.hotspot_community_km.replace("{name}", cell.community).replace("{km}", cell.community_km) : ""],
    [text.hotspot_centre, cell.centre ? `${cell.centre[0]}, ${cell.centre[1]}` : ""],
    [text.hotspot_window.replace("{days}", hotspotInfo.window_days), count(cell.count)],
    [text.emerging_pattern, label("patterns", cell.pattern)],
    [text.emerging_window.replace("{months}", hotspotInfo.months), count(cell.events_in_months)],
    [text.cell, cell.cell],
  ]);
}

const standardInput = document.getElementById("coverage-standard");
const coverageOutput = document.getElementById("coverage-figures");

async function fetchCoverage(view, signal) {
  const standard = standardInput ? standardInput.value : "4";
  return getJSON(`/map/coverage.json?standard=${encodeURIComponent(standard)}&season=dry&${view}`, signal);
}

function drawCoverage(data) {
  layers.gaps.clearLayers();
  layers.reach.clearLayers();
  layers.reach.addLayer(L.geoJSON(data.features.filter((f) => f.properties.kind === "reach"), {
    pane: "cellsPane",
    style: { color: "#1565c0", weight: 1.2, fillColor: "#64b5f6", fillOpacity: 0.15, dashArray: "4 3" },
    onEachFeature: (feature, shape) => shape.on("click", () => showReach(feature.properties, data)),
  }));
  const gaps = L.geoJSON(data.features.filter((f) => f.properties.kind === "gap"), {
    pointToLayer: (feature, latlng) =>
      L.circleMarker(latlng, { radius: 6, color: "#000000", weight: 2, fill: false, dashArray: "2 2" }),
    onEachFeature: (feature, marker) => marker.on("click", () => showGap(feature.properties, data)),
  });
  layers.gaps.addLayer(gaps);
  if (coverageOutput) {
    coverageOutput.textContent = data.covered_share === undefined
      ? text.coverage_unavailable
      : text.coverage_figures
          .replace("{share}", `${Math.round(data.covered_share * 1000) / 10}`)
          .replace("{hours}", numberFormat.format(data.standard_hours))
          .replace("{gaps}", count(data.gap_communities))
          .replace("{population}", count(data.gap_population));
  }
}

function showGap(gap, data) {
  show(gap.name, [
    [text.kind, text.protection_gap],
    [text.population, count(gap.population)],
    [text.fastest_response, gap.fastest_hours === null ? text.not_reached : `${numberFormat.format(gap.fastest_hours)} h`],
    [text.standard, `${numberFormat.format(data.standard_hours)} h`],
  ]);
}

function showReach(reach, data) {
  show(reach.name, [
    [text.kind, text.base_reach],
    [text.communities_reached.replace("{hours}", numberFormat.format(data.standard_hours)), count(reach.communities)],
  ]);
}

// ---- what each layer asks for: the view (box, and zoom for lines and shapes), only while a switch is on ----
// ``byZoom``: lines and shapes, simplified to the zoom (asked again when it changes); points are asked by box
// only (they look the same at every zoom). Layers that share a request (hot spots, coverage) draw together.
const sources = [
  { layers: ["areas"], fetch: fetchAreas, draw: drawAreas, byZoom: true },
  { layers: ["communities"], fetch: fetchCommunities, draw: drawCommunities },
  { layers: ["perceived"], fetch: fetchPerceived, draw: drawPerceived },
  { layers: ["bases"], fetch: fetchBases, draw: drawBases },
  { layers: ["roads"], fetch: fetchRoads, draw: drawRoads, byZoom: true },
  { layers: ["hotspots", "emerging"], fetch: fetchHotspots, draw: drawHotspots, byZoom: true },
  { layers: ["gaps", "reach"], fetch: fetchCoverage, draw: drawCoverage, byZoom: true },
];
const sourceOf = {};
for (const source of sources) for (const name of source.layers) sourceOf[name] = source;

/** The zoom a layer is asked at: the next whole zoom up (never coarser than what the map shows). */
function zoomAsked() {
  return Math.ceil(map.getZoom());
}

/** Ask for a source's layers in the current view, unless none is switched on or what was asked still covers
 * the view (``force``: ask anyway, e.g. another response standard). Resolves once drawn (or failed). */
async function refresh(source, force = false) {
  if (!source.layers.some(shown)) return;
  const zoom = zoomAsked();
  const last = source.asked;
  if (!force && last && last.box.contains(map.getBounds()) && (!source.byZoom || last.zoom === zoom)) return;
  source.asked = { box: map.getBounds().pad(0.15), zoom };
  const view = `bbox=${viewBox()}${source.byZoom ? `&zoom=${zoom}` : ""}`;
  if (source.request) source.request.abort();
  const request = (source.request = new AbortController());
  try {
    const data = await source.fetch(view, request.signal);
    if (request.signal.aborted) return;
    source.draw(data);
    for (const name of source.layers) {
      const box = document.querySelector(`input[data-layer="${name}"]`);
      if (box) box.dataset.drawn = "true"; // for the tests: the layer holds what was asked
    }
  } catch (error) {
    if (error.name === "AbortError") return;
    source.asked = null;
    if (error.message !== "signed out") source.layers.forEach(unavailable);
  }
}

if (standardInput) standardInput.addEventListener("change", () => refresh(sourceOf.gaps, true));
// moving the map asks again what the new view lacks (after the move settles)
let moved = null;
map.on("moveend", () => {
  clearTimeout(moved);
  moved = setTimeout(() => sources.forEach((source) => refresh(source)), 200);
});

async function start() {
  describePeriod();
  frameMission(); // the first view is known before anything is asked for
  clearTimeout(pending); // the moveend of framing the map: load now, once
  clearTimeout(moved);
  const layersLoaded = Promise.all(sources.map((source) => refresh(source)));
  loadEvents();
  await layersLoaded;
  document.body.dataset.layersReady = "true";
  await eventsSettled();
  document.body.dataset.ready = "true"; // every layer drawn: the operational picture is interactive
}

/** Resolves when the first events request has been answered (drawn, or failed). */
function eventsSettled() {
  return new Promise((resolve) => {
    const check = () => {
      const failed = document.querySelector('input[data-layer="events"]:disabled');
      if (!config.months.length || document.body.dataset.eventsReady || failed || !shown("events")) resolve();
      else setTimeout(check, 25);
    };
    check();
  });
}
start();
