/* The order page's small map: the order's grid outline and its point, drawn with ECharts.
 *
 * The server puts {point: [lon, lat], grid: {code, name, geometry} | null} in the
 * "order-map-data" json_script block: the grid comes with the order the user may already see,
 * so no second request (and no second scope check) is needed. No inline script (CSP).
 */
(function () {
  "use strict";

  var box = document.getElementById("order-map");
  var node = document.getElementById("order-map-data");
  if (!box || !node || !window.echarts) {
    return;
  }
  var data = JSON.parse(node.textContent);

  function fail() {
    box.textContent = "";
    var p = document.createElement("p");
    p.className = "yw-map-status yw-map-status-error";
    p.setAttribute("role", "status");
    p.textContent = box.dataset.messageError;
    box.appendChild(p);
  }

  try {
    var series = [];
    var geo;
    if (data.grid && data.grid.geometry) {
      window.echarts.registerMap("order-grid", {
        type: "FeatureCollection",
        features: [{
          type: "Feature",
          properties: {name: data.grid.name},
          geometry: data.grid.geometry
        }]
      });
      geo = {
        map: "order-grid",
        roam: true,
        itemStyle: {areaColor: "#e8f0fb", borderColor: "#2f6db5", borderWidth: 2},
        emphasis: {disabled: true},
        label: {show: false},
        layoutCenter: ["50%", "50%"],
        layoutSize: "90%"
      };
    }
    series.push({
      type: "scatter",
      coordinateSystem: geo ? "geo" : undefined,
      data: [{name: "", value: data.point}],
      symbolSize: 14,
      itemStyle: {color: "#c8102e", borderColor: "#fff", borderWidth: 2},
      silent: true
    });
    var chart = window.echarts.init(box, null, {renderer: "canvas"});
    var option = {animation: false, series: series};
    if (geo) {
      option.geo = geo;
    } else {
      option.xAxis = {type: "value", scale: true, show: false};
      option.yAxis = {type: "value", scale: true, show: false};
    }
    chart.setOption(option);
    window.addEventListener("resize", function () {
      chart.resize();
    });
  } catch (err) {
    fail();
    throw err;
  }
}());
