// Dashboard charts: each <canvas data-chart="..." data-source="id"> is drawn from the JSON in the
// <script type="application/json" id="id"> the server rendered beside it. The page works without
// this file (every chart has a table of the same figures); it only draws them.
import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  DoughnutController,
  Legend,
  LinearScale,
  Tooltip,
} from "chart.js";

Chart.register(ArcElement, BarController, BarElement, CategoryScale, DoughnutController, Legend, LinearScale, Tooltip);

const STATUS_COLOURS = {
  "not attempted": "#9ca3af",
  "in progress": "#f59e0b",
  completed: "#3b82f6",
  passed: "#059669",
  failed: "#dc2626",
};

function readJson(id) {
  const element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : null;
}

function statusChart(canvas, counts) {
  const labels = Object.keys(counts);
  return new Chart(canvas, {
    type: "doughnut",
    data: {
      labels,
      datasets: [{ data: labels.map((s) => counts[s]), backgroundColor: labels.map((s) => STATUS_COLOURS[s]) }],
    },
    options: { animation: false, plugins: { legend: { position: "bottom" } } },
  });
}

function timeChart(canvas, days) {
  const minutes = (seconds) => Math.round(seconds / 6) / 10;
  return new Chart(canvas, {
    type: "bar",
    data: {
      labels: days.map((d) => d.day),
      datasets: [
        { label: "SCORM", data: days.map((d) => minutes(d.scorm_s)), backgroundColor: "#3b82f6" },
        { label: "Other xAPI (video, audio…)", data: days.map((d) => minutes(d.other_s)), backgroundColor: "#a855f7" },
      ],
    },
    options: {
      animation: false,
      scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: "minutes" } } },
    },
  });
}

const DRAW = { status: statusChart, time: timeChart };

function drawCharts() {
  for (const canvas of document.querySelectorAll("canvas[data-chart]")) {
    const draw = DRAW[canvas.dataset.chart];
    const values = readJson(canvas.dataset.source);
    if (draw && values !== null) draw(canvas, values);
  }
}

window.LrsDashboard = { Chart };
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawCharts);
else drawCharts();
