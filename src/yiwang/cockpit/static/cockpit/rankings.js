/* The ranking page's trend: one line for the scope's total and one for each of the month's five
 * best units, from the "trend-data" json_script block (the table below the chart has the same
 * totals). No inline script: CSP is script-src 'self'. */
(function () {
  "use strict";

  var box = document.getElementById("trend-chart");
  var source = document.getElementById("trend-data");
  if (!box || !source || !window.echarts) {
    return;
  }
  var trend = JSON.parse(source.textContent);
  var chart = window.echarts.init(box, null, {renderer: "canvas"});
  chart.setOption({
    animation: false,
    tooltip: {trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : v + trend.unit; }},
    legend: {type: "scroll", top: 0},
    grid: {left: 48, right: 24, top: 40, bottom: 32},
    xAxis: {type: "category", data: trend.months},
    yAxis: {type: "value", name: trend.title + " (" + trend.unit + ")", min: 0, max: 100},
    series: trend.series.map(function (line, index) {
      return {
        name: line.name, type: "line", data: line.values, connectNulls: false,
        lineStyle: {width: index === 0 ? 3 : 1.5}, symbolSize: index === 0 ? 6 : 4
      };
    })
  });
  window.addEventListener("resize", function () {
    chart.resize();
  });
})();
