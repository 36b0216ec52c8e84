/* The home page's bar chart: grids per county, comprehensive and special stacked.
 * Its figures come from the server (json_script "grid-chart-data"), counted through the
 * viewer's scope; the table beside it carries the same numbers for people who cannot see it.
 */
(function () {
  "use strict";

  var box = document.getElementById("grid-chart");
  var source = document.getElementById("grid-chart-data");
  if (!box || !source || !window.echarts) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var COLORS = ["#2f6db5", "#d9822b"];
  // One row per county: a county dispatcher's single bar should not fill a tall box.
  box.style.height = Math.max(120, 56 + data.counties.length * 24) + "px";

  var chart = window.echarts.init(box, null, {renderer: "canvas"});
  chart.setOption({
    animation: false,
    color: COLORS,
    tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
    legend: {top: 0, left: 0, itemWidth: 12, itemHeight: 10, textStyle: {fontSize: 12}},
    grid: {left: 8, right: 24, top: 28, bottom: 4, containLabel: true},
    xAxis: {type: "value", minInterval: 1, splitLine: {lineStyle: {color: "#e3e8ef"}}},
    yAxis: {
      type: "category",
      inverse: true,
      data: data.counties,
      axisTick: {show: false},
      axisLabel: {fontSize: 12, color: "#2b3a4e"}
    },
    series: data.series.map(function (series) {
      return {
        name: series.name,
        type: "bar",
        stack: "grids",
        barMaxWidth: 18,
        data: series.data
      };
    })
  });
  window.addEventListener("resize", function () {
    chart.resize();
  });
})();
