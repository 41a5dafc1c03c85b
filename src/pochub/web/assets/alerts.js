// The inbox's response-time chart: median and 90th-percentile hours to the chosen step, per field office. The
// figures come in the page (#response-config) in the user's language; the table under the chart holds them too.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";

Chart.register(BarController, BarElement, CategoryScale, Legend, LinearScale, Tooltip);

const config = JSON.parse(document.getElementById("response-config").textContent);
const text = config.strings;
const canvas = document.getElementById("response-chart");
const stepInput = document.getElementById("response-step");
Chart.defaults.locale = config.language;
Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
Chart.defaults.animation = false;

function figures(step) {
  const offices = config.chart.offices;
  const value = (office, key) => {
    const times = office.steps[step];
    return times && times[key] !== null ? Number(times[key].toFixed(2)) : null;
  };
  return {
    labels: offices.map((office) => office.name),
    datasets: [
      { label: text.median, data: offices.map((o) => value(o, "median_hours")), backgroundColor: "#1a5fb4" },
      { label: text.p90, data: offices.map((o) => value(o, "p90_hours")), backgroundColor: "#e66100" },
    ],
  };
}

if (canvas && stepInput) {
  const chart = new Chart(canvas, {
    type: "bar",
    data: figures(stepInput.value),
    options: {
      indexAxis: "y",
      scales: { x: { beginAtZero: true, title: { display: true, text: text.hours } } },
    },
  });
  stepInput.addEventListener("change", () => {
    chart.data = figures(stepInput.value);
    chart.update();
  });
  document.body.dataset.responseChart = "ready";
}
