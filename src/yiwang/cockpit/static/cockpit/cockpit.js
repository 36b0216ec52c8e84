/* The leadership cockpit: headline figures, the situation map with drill-down, the urgent feed.
 *
 * The page holds only labels; every figure comes from data.json (cached per scope on the
 * server) and is fetched again every data-refresh seconds. The map starts with the city's
 * counties (real boundaries), a click on a county shows its towns, a click on a town its grids.
 * No inline script (CSP script-src 'self'): labels come from the "ck-labels" json_script block.
 */
(function () {
  "use strict";

  var main = document.getElementById("ck-main");
  var box = document.getElementById("ck-map");
  if (!main || !box) {
    return;
  }
  var labels = JSON.parse(document.getElementById("ck-labels").textContent);
  var refreshMs = Math.max(5, parseInt(main.dataset.refresh, 10) || 30) * 1000;
  var state = {data: null, level: "city", county: null, town: null, chart: null,
    counties: null, towns: null, names: {}, workers: {}, lastOk: null};

  function text(node, value) {
    node.textContent = value === null || value === undefined ? "—" : String(value);
  }

  function fetchJson(url) {
    return fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        if (!response.ok) {
          throw new Error(url + " answered " + response.status);
        }
        return response.json();
      });
  }

  // --- headline figures and the two top lists ---------------------------------------------

  function renderHeadline(headline) {
    var cells = document.querySelectorAll("#ck-headline dd[data-key]");
    Array.prototype.forEach.call(cells, function (cell) {
      var value = headline[cell.dataset.key];
      var unit = cell.dataset.unit || "";
      cell.textContent = value === null || value === undefined ? "—" : value + unit;
    });
  }

  function renderBars(listId, items, describe) {
    var list = document.getElementById(listId);
    list.textContent = "";
    if (!items.length) {
      var empty = document.createElement("li");
      empty.className = "ck-empty";
      empty.textContent = labels.nothing;
      list.appendChild(empty);
      return;
    }
    var max = items[0].count || 1;
    items.forEach(function (item) {
      var li = document.createElement("li");
      var name = document.createElement("span");
      name.className = "ck-bar-name";
      name.textContent = describe(item);
      var count = document.createElement("span");
      count.className = "ck-bar-count";
      count.textContent = item.count;
      var bar = document.createElement("span");
      bar.className = "ck-bar";
      bar.style.width = Math.max(4, Math.round(100 * item.count / max)) + "%";
      li.appendChild(name);
      li.appendChild(count);
      li.appendChild(bar);
      list.appendChild(li);
    });
  }

  // --- the urgent feed -------------------------------------------------------------------------

  function csrfToken() {
    var input = document.querySelector("#ck-csrf input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function acknowledge(item, button) {
    button.disabled = true;
    var body = new URLSearchParams();
    body.append("csrfmiddlewaretoken", csrfToken());
    fetch(item.acknowledge_url, {
      method: "POST",
      credentials: "same-origin",
      headers: {Accept: "application/json", "X-CSRFToken": csrfToken()},
      body: body
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (!response.ok) {
          throw new Error((answer.error && answer.error.message) || response.status);
        }
        item.acknowledged = true;
        button.textContent = labels.acknowledged + " " + answer.acknowledged_at;
        button.closest("li").classList.add("ck-acked");
      });
    }).catch(function (error) {
      button.disabled = false;
      button.textContent = labels.retry;
      if (window.console) {
        window.console.warn("acknowledge:", error);
      }
    });
  }

  function renderFeed(feed) {
    var list = document.getElementById("ck-feed");
    list.textContent = "";
    if (!feed.length) {
      var empty = document.createElement("li");
      empty.className = "ck-empty";
      empty.textContent = labels.no_urgent;
      list.appendChild(empty);
      return;
    }
    feed.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "ck-item" + (item.acknowledged ? " ck-acked" : "");
      var head = document.createElement("p");
      head.className = "ck-item-head";
      item.reasons.forEach(function (reason) {
        var tag = document.createElement("span");
        tag.className = "ck-tag";
        tag.textContent = reason;
        head.appendChild(tag);
      });
      var title = document.createElement("p");
      title.className = "ck-item-title";
      title.textContent = item.title;
      var meta = document.createElement("p");
      meta.className = "ck-item-meta";
      meta.textContent = [item.number, item.place, item.state, item.received_at].join(" · ");
      var form = document.createElement("form");
      form.method = "post";
      form.action = item.acknowledge_url;
      var token = document.createElement("input");
      token.type = "hidden";
      token.name = "csrfmiddlewaretoken";
      token.value = csrfToken();
      var button = document.createElement("button");
      button.type = "submit";
      button.className = "ck-ack";
      button.textContent = item.acknowledged ? labels.acknowledged : labels.acknowledge;
      button.disabled = !!item.acknowledged;
      button.setAttribute("aria-label", labels.acknowledge + " " + item.number);
      form.appendChild(token);
      form.appendChild(button);
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        acknowledge(item, button);
      });
      li.appendChild(head);
      li.appendChild(title);
      li.appendChild(meta);
      li.appendChild(form);
      list.appendChild(li);
    });
  }

  // --- the map ----------------------------------------------------------------------------------

  function collection(features) {
    return {type: "FeatureCollection", features: features};
  }

  function crumbs() {
    var list = document.getElementById("ck-crumbs");
    list.textContent = "";
    var steps = [{label: state.townsOnTop ? labels.area : labels.city, level: "city"}];
    if (state.county) {
      steps.push({label: state.names[state.county] || state.county, level: "county"});
    }
    if (state.town) {
      steps.push({label: state.names[state.town] || state.town, level: "town"});
    }
    steps.forEach(function (step, index) {
      var li = document.createElement("li");
      if (index === steps.length - 1) {
        li.textContent = step.label;
        li.setAttribute("aria-current", "location");
      } else {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = step.label;
        button.addEventListener("click", function () {
          if (step.level === "city") {
            state.county = null;
            state.town = null;
          } else {
            state.town = null;
          }
          showLevel();
        });
        li.appendChild(button);
      }
      list.appendChild(li);
    });
  }

  // The keyboard's way down: the regions of the current level in a list (the map needs a mouse).
  function fillGoto(features) {
    var select = document.getElementById("ck-goto");
    select.textContent = "";
    var blank = document.createElement("option");
    blank.value = "";
    blank.textContent = "—";
    select.appendChild(blank);
    select.disabled = state.level === "town";
    features.forEach(function (feature) {
      var option = document.createElement("option");
      option.value = feature.properties.code;
      option.textContent = feature.properties.name;
      select.appendChild(option);
    });
  }

  function drillInto(code) {
    if (state.level === "city" && state.townsOnTop) {
      state.town = code;
    } else if (state.level === "city") {
      state.county = code;
    } else if (state.level === "county") {
      state.town = code;
    } else {
      return;
    }
    showLevel();
  }

  function regionValues(features, counts) {
    return features.map(function (feature) {
      var code = feature.properties.code;
      var entry = counts ? counts(code, feature) : 0;
      return {name: code, value: entry, regionName: feature.properties.name};
    });
  }

  function pointsFor() {
    var points = (state.data && state.data.points) || [];
    return points.filter(function (p) {
      if (state.town) {
        return p[4] === state.town;
      }
      if (state.county) {
        return p[3] === state.county;
      }
      return true;
    });
  }

  function draw(mapName, features, counts) {
    var data = regionValues(features, counts);
    var max = data.reduce(function (m, d) { return Math.max(m, d.value || 0); }, 0);
    var points = pointsFor();
    fillGoto(features);
    // replaceMerge: each level's data replaces the last level's (a plain merge would keep the
    // tail of a longer array).
    state.chart.setOption({
      geo: {map: mapName},
      visualMap: {max: Math.max(1, max)},
      series: series(data, points)
    }, {replaceMerge: ["series"]});
  }

  // Grid workers' live positions inside the town shown (the grid app's map; empty for roles
  // that may not see them).
  function workerPoints() {
    return state.town ? (state.workers[state.town] || []) : [];
  }

  function series(regions, points) {
    return [
      {id: "regions", type: "map", geoIndex: 0, nameProperty: "code", data: regions},
      {id: "orders", type: "scatter", coordinateSystem: "geo", symbolSize: 4, silent: true,
        itemStyle: {color: "#7fe3ff", opacity: 0.75},
        data: points.filter(function (p) { return !p[2]; })},
      {id: "urgent", type: "effectScatter", coordinateSystem: "geo", symbolSize: 7,
        silent: true, itemStyle: {color: "#ff5a5f"}, rippleEffect: {scale: 3},
        data: points.filter(function (p) { return p[2]; })},
      {id: "workers", type: "scatter", coordinateSystem: "geo", symbol: "pin", symbolSize: 16,
        itemStyle: {color: "#5ee07a"}, data: workerPoints()}
    ];
  }

  function countyCounts(code) {
    var row = state.data && state.data.by_county[code];
    return row ? row.today : 0;
  }

  function townCounts(code) {
    return (state.data && state.data.by_town[code]) || 0;
  }

  function showLevel() {
    crumbs();
    if (state.town) {
      state.level = "town";
      var url = main.dataset.gridsUrl.replace("TOWN", encodeURIComponent(state.town));
      fetchJson(url).then(function (grids) {
        grids.features.forEach(function (f) {
          state.names[f.properties.code] = f.properties.name;
        });
        window.echarts.registerMap("ck-town-" + state.town, grids);
        var town = state.town;
        var drawTown = function () {
          draw("ck-town-" + town, grids.features, function (code, feature) {
            return feature.properties.today;
          });
        };
        drawTown();
        if (main.dataset.gridMapUrl) {
          fetchJson(main.dataset.gridMapUrl.replace("TOWN", encodeURIComponent(town)))
            .then(function (layers) {
              state.workers[town] = (layers.positions || []).map(function (p) {
                return {name: p.worker, value: [p.lon, p.lat], patrolling: p.patrolling};
              });
              if (state.town === town) {
                drawTown();
              }
            })
            .catch(function () { /* the grid map is an extra: the town's figures stand */ });
        }
      }).catch(mapFailed);
    } else if (state.county) {
      state.level = "county";
      var towns = state.towns.features.filter(function (f) {
        return f.properties.parent_code === state.county;
      });
      window.echarts.registerMap("ck-county-" + state.county, collection(towns));
      draw("ck-county-" + state.county, towns, townCounts);
    } else {
      state.level = "city";
      if (state.townsOnTop) {
        draw("ck-city", state.towns.features, townCounts);
      } else {
        draw("ck-city", state.counties.features, countyCounts);
      }
    }
  }

  function mapFailed(error) {
    if (window.console) {
      window.console.warn("cockpit map:", error);
    }
    var note = document.createElement("p");
    note.className = "ck-map-error";
    note.setAttribute("role", "status");
    note.textContent = labels.map_failed;
    box.parentNode.insertBefore(note, box.nextSibling);
  }

  function initMap(counties, towns) {
    state.counties = counties;
    state.towns = towns;
    counties.features.concat(towns.features).forEach(function (f) {
      state.names[f.properties.code] = f.properties.name;
    });
    // A town leader sees no county: their towns are the top of the map. A county leader's
    // map starts inside their county.
    state.townsOnTop = !counties.features.length && towns.features.length > 0;
    if (counties.features.length === 1) {
      state.county = counties.features[0].properties.code;
    } else if (state.townsOnTop && towns.features.length === 1) {
      state.town = towns.features[0].properties.code;  // one town: straight to its grids
    }
    window.echarts.registerMap("ck-city", state.townsOnTop ? towns : counties);
    var chart = window.echarts.init(box, null, {renderer: "canvas"});
    state.chart = chart;
    var encode = window.echarts.format.encodeHTML;
    chart.setOption({
      animation: false,
      backgroundColor: "transparent",
      tooltip: {
        trigger: "item",
        formatter: function (params) {
          var d = params.data || {};
          if (params.seriesId === "regions") {
            return "<strong>" + encode(d.regionName || "") + "</strong><br>" +
              encode(labels.orders_today) + ": " + (d.value || 0);
          }
          if (params.seriesId === "workers") {
            return encode(labels.grid_worker || "") + " " + encode(d.name || "");
          }
          return "";
        }
      },
      visualMap: {
        type: "continuous", min: 0, max: 1, seriesIndex: 0, calculable: false,
        left: 16, bottom: 16, text: [labels.more, labels.fewer],
        textStyle: {color: "#b8d4f5"},
        inRange: {color: ["#0f2c52", "#1b5d9c", "#2d9bd8", "#f5c04a"]}
      },
      geo: {
        map: "ck-city", nameProperty: "code", roam: true, scaleLimit: {min: 0.8, max: 20},
        layoutCenter: ["50%", "50%"], layoutSize: "92%",
        label: {show: true, color: "#e6f1ff", fontSize: 12,
          formatter: function (params) { return state.names[params.name] || ""; }},
        itemStyle: {areaColor: "#0f2c52", borderColor: "#4fa3e3", borderWidth: 1},
        emphasis: {label: {color: "#fff"}, itemStyle: {areaColor: "#2a6fb0"}},
        select: {disabled: true}
      },
      series: series([], [])
    });
    chart.on("click", function (params) {
      if (params.seriesId !== "regions" && params.componentType !== "geo") {
        return;
      }
      drillInto(params.name);
    });
    document.getElementById("ck-goto").addEventListener("change", function (event) {
      if (event.target.value) {
        drillInto(event.target.value);
      }
    });
    window.addEventListener("resize", function () {
      chart.resize();
    });
    showLevel();
  }

  // --- refresh ------------------------------------------------------------------------------

  function render(data) {
    state.data = data;
    renderHeadline(data.headline);
    renderBars("ck-categories", data.top_categories, function (item) { return item.name; });
    renderBars("ck-hotspots", data.hot_spots, function (item) {
      return item.town ? item.town + " · " + item.name : item.name;
    });
    renderFeed(data.feed);
    text(document.getElementById("ck-updated"), labels.updated + " " + data.generated_at);
    if (state.chart) {
      showLevel();
    }
  }

  function refresh() {
    return fetchJson(main.dataset.dataUrl).then(function (data) {
      state.lastOk = data.generated_at;
      render(data);
    }).catch(function (error) {
      if (window.console) {
        window.console.warn("cockpit refresh:", error);
      }
      text(document.getElementById("ck-updated"), labels.stale + " " + (state.lastOk || "—"));
    });
  }

  if (!window.echarts || !window.fetch) {
    mapFailed(new Error("no echarts"));
    return;
  }
  var first = refresh();
  Promise.all([fetchJson(main.dataset.countyUrl), fetchJson(main.dataset.townUrl), first])
    .then(function (results) {
      initMap(results[0], results[1]);
    })
    .catch(mapFailed);
  window.setInterval(refresh, refreshMs);
})();
