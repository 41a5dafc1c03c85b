// The charts page: the figures come in the page (#chart-config), already in the user's language; Chart.js draws
// them (only the chart types used are bundled, to keep the download small).
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";

Chart.register(BarController, BarElement, CategoryScale, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip);

const config = JSON.parse(document.getElementById("chart-config").textContent);
const text = config.strings;
const locale = config.language;
Chart.defaults.locale = locale;
Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
Chart.defaults.animation = false;

const name = (series, key) => (config.labels[series] && config.labels[series][key]) || key;

function monthly(rows) {
  const canvas = document.getElementById("chart-month");
  if (!canvas) return;
  new Chart(canvas, {
    type: "line",
    data: {
      labels: rows.map((r) => r.key),
      datasets: [
        { label: text.events, data: rows.map((r) => r.events), borderColor: "#1a5fb4", backgroundColor: "#1a5fb4", pointRadius: 0, yAxisID: "y" },
        {
          label: text.civilian_fatalities,
          data: rows.map((r) => r.civilian_fatalities),
          borderColor: "#c62828",
          backgroundColor: "#c62828",
          pointRadius: 0,
          yAxisID: "y",
        },
      ],
    },
    options: { interaction: { mode: "index", intersect: false }, scales: { y: { beginAtZero: true } } },
  });
}

function bars(series, rows) {
  const canvas = document.getElementById(`chart-${series}`);
  if (!canvas) return;
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: rows.map((r) => name(series, r.key)),
      datasets: [
        { label: text.events, data: rows.map((r) => r.events), backgroundColor: "#1a5fb4" },
        { label: text.civilian_fatalities, data: rows.map((r) => r.civilian_fatalities), backgroundColor: "#c62828" },
      ],
    },
    options: { indexAxis: "y", scales: { x: { beginAtZero: true } } },
  });
}

monthly(config.summaries.month || []);
bars("threat", config.summaries.threat || []);
bars("category", config.summaries.category || []);

// Forecast against actual: a backtest computed (and cached) by the server, fetched after the page is shown.
async function forecastAgainstActual() {
  const canvas = document.getElementById("chart-forecast");
  const status = document.getElementById("forecast-status");
  if (!canvas) return;
  const section = document.getElementById("forecast");
  let data;
  try {
    const response = await fetch("/charts/forecast.json", { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(String(response.status));
    data = await response.json();
  } catch (error) {
    status.textContent = text.forecast_failed;
    section.setAttribute("aria-busy", "false");
    return;
  }
  const rows = data.months || [];
  section.setAttribute("aria-busy", "false");
  if (!rows.length) {
    status.textContent = text.forecast_missing;
    canvas.hidden = true;
    return;
  }
  const number = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  status.textContent = text.forecast_summary
    .replaceAll("{months}", rows.length)
    .replace("{model}", number.format(data.model_mae))
    .replace("{naive}", number.format(data.naive_mae))
    .replace("{inside}", data.inside_interval);
  const body = document.querySelector("#forecast-table tbody");
  for (const r of rows) {
    const row = document.createElement("tr");
    const cells = [r.month, number.format(r.actual), number.format(r.forecast), `${number.format(r.low)} – ${number.format(r.high)}`, number.format(r.naive)];
    cells.forEach((value, i) => {
      const cell = document.createElement(i === 0 ? "th" : "td");
      if (i === 0) cell.scope = "row";
      else cell.className = "number";
      cell.textContent = value;
      row.append(cell);
    });
    body.append(row);
  }
  new Chart(canvas, {
    type: "line",
    data: {
      labels: rows.map((r) => r.month),
      datasets: [
        { label: text.interval_high, data: rows.map((r) => r.high), borderColor: "rgba(26, 95, 180, 0.25)", backgroundColor: "rgba(26, 95, 180, 0.15)", pointRadius: 0, fill: "+1" },
        { label: text.interval_low, data: rows.map((r) => r.low), borderColor: "rgba(26, 95, 180, 0.25)", backgroundColor: "rgba(26, 95, 180, 0.15)", pointRadius: 0, fill: false },
        { label: text.forecast, data: rows.map((r) => r.forecast), borderColor: "#1a5fb4", backgroundColor: "#1a5fb4", pointRadius: 3 },
        { label: text.naive, data: rows.map((r) => r.naive), borderColor: "#8d8d8d", backgroundColor: "#8d8d8d", borderDash: [4, 4], pointRadius: 0 },
        { label: text.actual, data: rows.map((r) => r.actual), borderColor: "#c62828", backgroundColor: "#c62828", pointRadius: 3, borderWidth: 2.5 },
      ],
    },
    options: { interaction: { mode: "index", intersect: false }, scales: { y: { beginAtZero: true } } },
  });
  document.body.dataset.forecastReady = "true";
}
forecastAgainstActual();
