/* The hot-topics chart: requests per day and the daily counts of the largest clusters, from
 * the "topics-data" json_script block. No inline script: CSP is script-src 'self'. */
(function () {
  "use strict";

  var box = document.getElementById("topics-chart");
  var source = document.getElementById("topics-data");
  if (!box || !source || !window.echarts) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var chart = window.echarts.init(box, null, {renderer: "canvas"});
  chart.setOption({
    animation: false,
    tooltip: {trigger: "axis"},
    legend: {type: "scroll", top: 0},
    grid: {left: 48, right: 24, top: 40, bottom: 32},
    xAxis: {type: "category", data: data.days},
    yAxis: {type: "value", minInterval: 1},
    series: data.series.map(function (line, index) {
      return {
        name: line.name, type: "line", data: line.values,
        lineStyle: {width: index === 0 ? 3 : 1.5}, symbolSize: index === 0 ? 5 : 3
      };
    })
  });
  window.addEventListener("resize", function () {
    chart.resize();
  });
})();
