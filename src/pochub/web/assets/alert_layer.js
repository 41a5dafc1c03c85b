// The open alerts layer of the operational picture. It draws on the map that map.js made (window.pochubMap) with
// the same Leaflet; the alerts come from the live desk (/alerts/live.json?map=1), polled every few seconds with an
// ETag, under the inbox's access rules: scoped to the user's area, fuzzed places only for the roles that must not
// see exact ones. An alert without coordinates is drawn at its community, else inside its area, as approximate;
// the layer says how many it shows and how many it could not place. Every marker is a keyboard button.

const config = JSON.parse(document.getElementById("alert-layer-config").textContent);
const text = config.strings;

function describe(alert) {
  const rows = [
    [text.urgency, config.urgencies[alert.urgency] || alert.urgency],
    [text.state, config.states[alert.state] || alert.state],
    [text.next_step, alert.next_step ? config.steps[alert.next_step] || alert.next_step : ""],
    [text.due, alert.due ? alert.due.local : ""],
    [text.overdue, alert.overdue ? "⚠" : ""],
    [text.place, [alert.location_text, alert.area, alert.pcode].filter(Boolean).join(", ")],
    [text.reports, String(alert.reports)],
  ];
  if (alert.place && alert.place.by !== "point") rows.push(["", text[`approximate_${alert.place.by}`]]);
  if (alert.location_fuzzed_km) rows.push(["", text.fuzzed.replace("{km}", alert.location_fuzzed_km)]);
  return rows;
}

function marker(L, show, alert) {
  const approximate = alert.place.by !== "point";
  const drawn = L.marker([alert.place.latitude, alert.place.longitude], {
    icon: L.divIcon({
      className: `alert-icon alert-${alert.urgency}${alert.overdue ? " overdue" : ""}${approximate ? " approximate" : ""}`,
      html: '<span aria-hidden="true">!</span>',
      iconSize: [22, 22],
    }),
    title: `${text.alert} ${alert.reference} (${config.urgencies[alert.urgency] || alert.urgency}${alert.overdue ? `, ${text.overdue}` : ""}${approximate ? `, ${text.approximate}` : ""})`,
    alt: `${text.alert} ${alert.reference}`,
    keyboard: true,
    riseOnHover: true,
    zIndexOffset: 1000,
  });
  const open = () => {
    const link = document.createElement("a");
    link.href = `/alerts/${encodeURIComponent(alert.reference)}`;
    link.textContent = text.open_page;
    show(`${text.alert} ${alert.reference}`, describe(alert), link);
  };
  drawn.on("click", open);
  drawn.on("keypress", (event) => {
    if (event.originalEvent.key === "Enter" || event.originalEvent.key === " ") open();
  });
  return drawn;
}

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
}

async function start() {
  const shared = window.pochubMap;
  const box = document.querySelector("input[data-alert-layer]");
  if (!shared || !box) return;
  const { L, map, show } = shared;
  const layer = L.layerGroup().addTo(map);
  const count = document.getElementById("alert-layer-count");
  let version = null;
  let timer = null;
  // polled only while switched on (a layer the map does not show costs no bytes); switched on, asked at once
  box.addEventListener("change", () => {
    if (box.checked) {
      map.addLayer(layer);
      window.clearTimeout(timer);
      poll();
    } else {
      map.removeLayer(layer);
      window.clearTimeout(timer);
    }
  });
  const poll = async () => {
    if (!box.checked) return;
    try {
      const headers = version ? { "If-None-Match": `"${version}"` } : {};
      const response = await fetch(config.url, { headers, credentials: "same-origin", cache: "no-store" });
      if (response.status === 200) {
        version = (response.headers.get("ETag") || "").replace(/"/g, "");
        const desk = await response.json();
        layer.clearLayers();
        for (const alert of desk.items) if (alert.place) layer.addLayer(marker(L, show, alert));
        const values = { shown: desk.placed, total: desk.total, unplaced: desk.unplaced };
        if (count) {
          count.replaceChildren(fill(text.alerts_shown, values));
          if (desk.unplaced) count.append(" ", fill(text.alerts_unplaced, values));
        }
        document.body.dataset.alertsShown = String(desk.placed);
        document.body.dataset.alertsUnplaced = String(desk.unplaced);
      } else if (response.status !== 304) {
        throw new Error(String(response.status));
      }
      document.body.dataset.alertsReady = "true";
    } catch (error) {
      if (count) count.replaceChildren(text.not_available);
      document.body.dataset.alertsReady = "true";
    }
    window.clearTimeout(timer);
    if (box.checked) timer = window.setTimeout(poll, config.seconds * 1000);
  };
  poll();
}

start();
