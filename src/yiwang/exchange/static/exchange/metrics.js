/* The exchange metrics page's bar chart: records in and out per day. The figures come from
 * the server (json_script "volume-chart-data"); the table below carries the same numbers. */
(function () {
  "use strict";
  var box = document.getElementById("volume-chart");
  var source = document.getElementById("volume-chart-data");
  if (!box || !source || !window.echarts) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var chart = window.echarts.init(box, null, {renderer: "canvas"});
  chart.setOption({
    animation: false,
    color: ["#2f6db5", "#d9822b"],
    tooltip: {trigger: "axis"},
    legend: {top: 0, left: 0},
    grid: {left: 8, right: 16, top: 28, bottom: 4, containLabel: true},
    xAxis: {type: "category", data: data.days},
    yAxis: {type: "value"},
    series: [
      {name: data.labels["in"], type: "bar", data: data["in"]},
      {name: data.labels.out, type: "bar", data: data.out}
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
}());
