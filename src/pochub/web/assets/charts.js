// The charts page: the figures come in the page (#chart-config), already in the user's language; Chart.js draws
// them (only the chart types used are bundled, to keep the download small).
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";

Chart.register(BarController, BarElement, CategoryScale, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip);

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
