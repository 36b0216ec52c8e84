// Calls per day through the old numbers and through 12345 itself (stacked bars).
(function () {
  "use strict";
  const box = document.getElementById("hw-daily");
  if (!box || !window.echarts) return;
  const report = JSON.parse(document.getElementById("hw-report").textContent);
  const chart = window.echarts.init(box);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 40, right: 16, top: 32, bottom: 28 },
    xAxis: { type: "category", data: report.daily.map((d) => d.day.slice(5)) },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: box.dataset.legacy, type: "bar", stack: "calls", data: report.daily.map((d) => d.legacy), itemStyle: { color: "#e0a030" } },
      { name: box.dataset.direct, type: "bar", stack: "calls", data: report.daily.map((d) => d.direct), itemStyle: { color: "#2f6fb3" } },
    ],
  });
  window.addEventListener("resize", () => chart.resize());
})();
