/* A thematic map: the theme's orders per county-level division over the real boundaries. */
(function () {
  "use strict";

  var box = document.getElementById("theme-map");
  var source = document.getElementById("theme-map-data");
  if (!box || !source) {
    return;
  }
  function failed(error) {
    if (window.console) {
      window.console.warn("theme map:", error);
    }
    box.textContent = "";
    var p = document.createElement("p");
    p.className = "yw-map-status yw-map-status-error";
    p.setAttribute("role", "status");
    p.textContent = box.dataset.messageFailed;
    box.appendChild(p);
  }
  if (!window.echarts || !window.fetch) {
    failed(new Error("no echarts"));
    return;
  }
  var values = JSON.parse(source.textContent);
  fetch(box.dataset.countyUrl, {credentials: "same-origin", headers: {Accept: "application/json"}})
    .then(function (response) {
      if (!response.ok) {
        throw new Error("boundaries answered " + response.status);
      }
      return response.json();
    })
    .then(function (counties) {
      var names = {};
      counties.features.forEach(function (f) { names[f.properties.code] = f.properties.name; });
      var byCode = {};
      values.forEach(function (v) { byCode[v.name] = v.value; });
      var data = counties.features.map(function (f) {
        var code = f.properties.code;
        return {name: code, value: byCode[code] || 0, regionName: names[code]};
      });
      var max = data.reduce(function (m, d) { return Math.max(m, d.value); }, 0);
      window.echarts.registerMap("theme-counties", counties);
      box.textContent = "";
      var chart = window.echarts.init(box, null, {renderer: "canvas"});
      var encode = window.echarts.format.encodeHTML;
      chart.setOption({
        animation: false,
        tooltip: {trigger: "item", formatter: function (p) {
          var d = p.data || {};
          return "<strong>" + encode(d.regionName || "") + "</strong><br>" + (d.value || 0);
        }},
        visualMap: {type: "continuous", min: 0, max: Math.max(1, max), left: 8, bottom: 8,
          inRange: {color: ["#eef3fa", "#8fb5e0", "#2f6db5", "#c8102e"]}},
        series: [{
          name: box.dataset.seriesName, type: "map", map: "theme-counties", nameProperty: "code",
          roam: true, data: data,
          label: {show: true, fontSize: 11, formatter: function (p) { return names[p.name] || ""; }}
        }]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    })
    .catch(failed);
})();
