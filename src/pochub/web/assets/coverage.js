// The coverage page's map: admin areas as the offline base map, the communities coloured by their coverage
// (today, or with the plan's new sites), the existing bases and the proposed sites. The figures come in the
// page (#coverage-config); the areas and bases from this server's API.
import L from "leaflet";
import "leaflet/dist/leaflet.css";
import "./coverage.css";
import { asText } from "./page_text.js";

const config = JSON.parse(document.getElementById("coverage-config").textContent);
const text = config.strings;
const numberFormat = new Intl.NumberFormat(config.language);
const COLOURS = ["#c62828", "#2e7d32", "#1e88e5"]; // beyond, covered today, covered by the plan
const NAMES = [text.beyond, text.covered_today, text.covered_by_plan];

const map = L.map("coverage-map", { preferCanvas: true, zoomControl: false, attributionControl: false, minZoom: 4, maxZoom: 13 });
window.pochubCoverageMap = map; // as the picture exposes its map: tests open its tooltips without hovering
L.control.zoom({ zoomInTitle: text.zoom_in, zoomOutTitle: text.zoom_out }).addTo(map);
L.control.scale({ imperial: false }).addTo(map);
map.getContainer().setAttribute("aria-label", text.map_label);
map.setView([0, 20], 5);
map.createPane("areasPane").style.zIndex = 250;

async function getJSON(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${response.status} ${url}`);
  return response.json();
}

async function drawAreas() {
  try {
    const data = await getJSON("/api/v1/areas?level=2&tolerance=0.005&limit=5000");
    const layer = L.geoJSON(data.features, {
      pane: "areasPane",
      interactive: false,
      style: { color: "#6b7a8f", weight: 1, fillColor: "#eef1ea", fillOpacity: 1 },
    }).addTo(map);
    if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds());
  } catch (error) {
    // no areas: the communities alone frame the map
  }
}

function drawCommunities(rows) {
  const group = L.featureGroup();
  for (const [lon, lat, status, population, name] of rows) {
    L.circleMarker([lat, lon], {
      radius: Math.max(2.5, Math.min(8, Math.sqrt(population ?? 0) / 28)),
      color: "#ffffff",
      weight: 1,
      fillColor: COLOURS[status],
      fillOpacity: 0.85,
    })
      .bindTooltip(asText(`${name} · ${NAMES[status]} · ${text.population} ${population === null ? text.unknown_value : numberFormat.format(population)}`))
      .addTo(group);
  }
  group.addTo(map);
  return group;
}

function drawSites(sites, className, title) {
  for (const site of sites) {
    L.marker([site.lat, site.lon], {
      icon: L.divIcon({ className, html: '<span aria-hidden="true"></span>', iconSize: [20, 20] }),
      title: `${site.name} (${title})`,
      alt: site.name,
      keyboard: true,
    }).addTo(map);
  }
}

async function start() {
  await drawAreas();
  if (config.plan) {
    const group = drawCommunities(config.plan.communities);
    if (!map.getBounds().isValid() && group.getBounds().isValid()) map.fitBounds(group.getBounds());
    drawSites(config.plan.bases, "coverage-base", text.existing_base);
    drawSites(config.plan.sites, "coverage-site", text.proposed_site);
  } else if (config.posture) {
    drawCommunities(config.posture.communities);
    try {
      const bases = await getJSON("/api/v1/bases?limit=5000");
      drawSites(
        bases.features.map((f) => ({ name: f.properties.name, lat: f.geometry.coordinates[1], lon: f.geometry.coordinates[0] })),
        "coverage-base",
        text.existing_base,
      );
    } catch (error) {
      // the bases are listed in the figures; the map goes on without them
    }
  }
  document.body.dataset.coverageReady = "true";
}
start();

// A plan takes seconds: say so while the server solves it (and keep the button from being pressed twice).
const planForm = document.getElementById("plan-form");
if (planForm) {
  planForm.addEventListener("submit", () => {
    document.getElementById("plan-running").hidden = false;
    const button = document.getElementById("plan-run");
    button.setAttribute("aria-disabled", "true");
    button.addEventListener("click", (event) => event.preventDefault());
  });
}
