// The open alerts layer of the operational picture. It draws on the map that map.js made (window.pochubMap) with
// the same Leaflet; the alerts come from the alerts API, which scopes them to the user's area and moves their
// locations for the roles that must not see exact places. Every marker is a keyboard button (styles: alerts.css).

const config = JSON.parse(document.getElementById("alert-layer-config").textContent);
const text = config.strings;

async function alertPages(getJSON) {
  const collected = [];
  let next = "/api/v1/alerts?open=true&limit=500";
  while (next) {
    const page = await getJSON(next);
    collected.push(...page.items);
    next = page.next ? page.next.replace(/^https?:\/\/[^/]+/, "") : null;
  }
  return collected;
}

function describe(alert) {
  const rows = [
    [text.urgency, config.urgencies[alert.urgency] || alert.urgency],
    [text.state, config.states[alert.state] || alert.state],
    [text.next_step, alert.next_step ? config.steps[alert.next_step] || alert.next_step : ""],
    [text.due, alert.due_at ? `${alert.due_at.slice(0, 16).replace("T", " ")} UTC` : ""],
    [text.overdue, alert.overdue ? "⚠" : ""],
    [text.place, [alert.location_text, alert.pcode].filter(Boolean).join(", ")],
    [text.reports, String(alert.reports)],
  ];
  if (alert.location_fuzzed_km) rows.push(["", text.fuzzed.replace("{km}", alert.location_fuzzed_km)]);
  return rows;
}

async function start() {
  const shared = window.pochubMap;
  const box = document.querySelector("input[data-alert-layer]");
  if (!shared || !box) return;
  const { L, map, show, getJSON } = shared;
  const layer = L.layerGroup().addTo(map);
  box.addEventListener("change", () => (box.checked ? map.addLayer(layer) : map.removeLayer(layer)));
  try {
    const alerts = await alertPages(getJSON);
    let drawn = 0;
    for (const alert of alerts) {
      if (alert.latitude === null || alert.longitude === null) continue;
      const marker = L.marker([alert.latitude, alert.longitude], {
        icon: L.divIcon({
          className: `alert-icon alert-${alert.urgency}${alert.overdue ? " overdue" : ""}`,
          html: '<span aria-hidden="true">!</span>',
          iconSize: [22, 22],
        }),
        title: `${text.alert} ${alert.reference} (${config.urgencies[alert.urgency] || alert.urgency}${alert.overdue ? `, ${text.overdue}` : ""})`,
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
      marker.on("click", open);
      marker.on("keypress", (event) => {
        if (event.originalEvent.key === "Enter" || event.originalEvent.key === " ") open();
      });
      layer.addLayer(marker);
      drawn += 1;
    }
    document.body.dataset.alertsShown = String(drawn);
  } catch (error) {
    box.disabled = true;
    box.closest("label").append(` (${text.not_available})`);
  }
  document.body.dataset.alertsReady = "true";
}

start();
