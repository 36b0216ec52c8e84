/* The home page's map: real county boundaries with the towns inside them.
 *
 * Boundaries come from the same-origin API as GeoJSON FeatureCollections whose features carry
 * {code, name, level, parent_code}. Towns are the map's regions (light fill, thin borders,
 * tooltip); county outlines are drawn on top as polylines, and county names at the centroids
 * the server put in the "map-labels" json_script block. No inline script: CSP is script-src 'self'.
 */
(function () {
  "use strict";

  var box = document.getElementById("county-map");
  if (!box) {
    return;
  }

  // Pale tints, one per county, so towns read as belonging to their county.
  var TINTS = ["#e8f0fb", "#eaf5ee", "#fbf3e4", "#f3ecf8", "#e6f4f6", "#fbeceb", "#eef0e3",
    "#eceff4", "#f6efe6", "#e9f1f8"];

  function showMessage(text) {
    box.textContent = "";
    var p = document.createElement("p");
    p.className = "yw-map-status yw-map-status-error";
    p.setAttribute("role", "status");
    p.textContent = text;
    box.appendChild(p);
  }

  function fetchCollection(url) {
    return fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        if (!response.ok) {
          throw new Error(url + " answered " + response.status);
        }
        return response.json();
      })
      .then(function (body) {
        if (!body || body.type !== "FeatureCollection" || !Array.isArray(body.features)) {
          throw new Error(url + " did not answer a FeatureCollection");
        }
        return body;
      });
  }

  function readLabels() {
    var node = document.getElementById("map-labels");
    return node ? JSON.parse(node.textContent) : [];
  }

  // Every ring of a Polygon or MultiPolygon, as a list of [lon, lat] points.
  function rings(geometry) {
    if (!geometry) {
      return [];
    }
    if (geometry.type === "Polygon") {
      return geometry.coordinates;
    }
    if (geometry.type === "MultiPolygon") {
      return geometry.coordinates.reduce(function (all, polygon) {
        return all.concat(polygon);
      }, []);
    }
    return [];
  }

  function draw(counties, towns) {
    if (!counties.features.length && !towns.features.length) {
      showMessage(box.dataset.messageEmpty);
      return;
    }
    var encode = window.echarts.format.encodeHTML;
    var countyName = {};
    var countyTint = {};
    counties.features.forEach(function (feature, index) {
      countyName[feature.properties.code] = feature.properties.name;
      countyTint[feature.properties.code] = TINTS[index % TINTS.length];
    });
    // Without towns (e.g. before the demo's towns are loaded) the counties are the regions.
    var base = towns.features.length ? towns : counties;
    window.echarts.registerMap("yiwang-base", base);

    var regions = [];
    var tints = [];
    base.features.forEach(function (feature) {
      var props = feature.properties;
      var county = base === towns ? props.parent_code : props.code;
      regions.push({
        name: props.code,
        regionName: props.name,
        countyName: base === towns ? (countyName[county] || "") : ""
      });
      tints.push({name: props.code, itemStyle: {areaColor: countyTint[county] || TINTS[0]}});
    });
    var labels = readLabels().map(function (label) {
      return label.minor ? {
        name: label.name,
        value: label.value,
        label: {fontSize: 11, fontWeight: "normal", color: "#3d5270"}
      } : label;
    });
    var outlines = [];
    counties.features.forEach(function (feature) {
      rings(feature.geometry).forEach(function (ring) {
        outlines.push({coords: ring});
      });
    });

    box.textContent = "";
    var chart = window.echarts.init(box, null, {renderer: "canvas"});
    chart.setOption({
      animation: false,
      tooltip: {
        trigger: "item",
        formatter: function (params) {
          var data = params.data || {};
          if (!data.regionName) {
            return "";
          }
          var lines = ["<strong>" + encode(data.regionName) + "</strong>"];
          if (data.countyName) {
            lines.push(encode(box.dataset.labelCounty) + ": " + encode(data.countyName));
          }
          return lines.join("<br>");
        }
      },
      geo: {
        map: "yiwang-base",
        nameProperty: "code",
        roam: true,
        scaleLimit: {min: 0.8, max: 12},
        layoutCenter: ["50%", "50%"],
        layoutSize: "95%",
        label: {show: false},
        itemStyle: {areaColor: TINTS[0], borderColor: "#9aabc2", borderWidth: 0.6},
        emphasis: {label: {show: false}, itemStyle: {areaColor: "#c9dcf3"}},
        select: {disabled: true},
        regions: tints
      },
      series: [
        {
          type: "map",
          geoIndex: 0,
          data: regions
        },
        {
          type: "lines",
          coordinateSystem: "geo",
          polyline: true,
          silent: true,
          z: 3,
          lineStyle: {color: "#1d3b66", width: 1.8, opacity: 0.9},
          data: outlines
        },
        {
          type: "scatter",
          coordinateSystem: "geo",
          silent: true,
          z: 4,
          symbolSize: 0,
          label: {
            show: true,
            formatter: "{b}",
            color: "#0b2545",
            fontSize: 13,
            fontWeight: "bold",
            textBorderColor: "#ffffff",
            textBorderWidth: 3
          },
          data: labels
        }
      ]
    });
    window.addEventListener("resize", function () {
      chart.resize();
    });
  }

  if (!window.echarts || !window.fetch) {
    showMessage(box.dataset.messageFailed);
    return;
  }
  Promise.all([fetchCollection(box.dataset.countyUrl), fetchCollection(box.dataset.townUrl)])
    .then(function (collections) {
      draw(collections[0], collections[1]);
    })
    .catch(function (error) {
      if (window.console) {
        window.console.warn("home map:", error);
      }
      showMessage(box.dataset.messageFailed);
    });
})();
