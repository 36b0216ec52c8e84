/* The report history's progress: every unfinished row polls GET /api/v1/opinion/reports/{id}
 * each second and shows its progress and stage; once done, its links appear. */
(function () {
  "use strict";

  var table = document.getElementById("report-history");
  if (!table) {
    return;
  }
  var base = table.getAttribute("data-status-url");
  var labels = {};
  var template = document.getElementById("report-labels");
  if (template) {
    template.content.querySelectorAll("[data-key]").forEach(function (el) {
      labels[el.getAttribute("data-key")] = el.textContent;
    });
  }

  function text(tag, value, className) {
    var el = document.createElement(tag);
    el.textContent = value;
    if (className) {
      el.className = className;
    }
    return el;
  }

  function link(href, label, download) {
    var a = text("a", label);
    a.href = href;
    if (download) {
      a.setAttribute("download", "");
    } else {
      a.target = "_blank";
      a.rel = "noopener";
    }
    return a;
  }

  function render(row, report) {
    row.setAttribute("data-status", report.status);
    var status = row.querySelector(".op-status");
    status.textContent = "";
    if (report.status === "done" || report.status === "failed") {
      status.appendChild(text("span", report.status_label, report.status === "failed" ? "op-state-failed" : ""));
    } else {
      var wrap = text("span", "", "op-progress");
      var bar = document.createElement("progress");
      bar.max = 100;
      bar.value = report.progress;
      wrap.appendChild(bar);
      wrap.appendChild(text("span", report.status_label + " · " + report.stage + " " + report.progress + "%", "op-stage"));
      status.appendChild(wrap);
    }
    if (report.finished_at) {
      var finished = new Date(report.finished_at);
      var pad = function (n) { return (n < 10 ? "0" : "") + n; };
      row.querySelector(".op-finished").textContent = finished.getFullYear() + "-" + pad(finished.getMonth() + 1) + "-" + pad(finished.getDate()) + " " + pad(finished.getHours()) + ":" + pad(finished.getMinutes());
    }
    if (report.html_url) {
      var files = row.querySelector(".op-files");
      files.textContent = "";
      files.appendChild(link(report.html_url, labels.view || "HTML", false));
      files.appendChild(document.createTextNode(" · "));
      files.appendChild(link(report.xlsx_url, labels.download || "XLSX", true));
    }
  }

  function poll(row) {
    var id = row.getAttribute("data-report");
    fetch(base + id, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (report) {
        if (!report) {
          return;
        }
        render(row, report);
        if (report.status === "queued" || report.status === "running") {
          window.setTimeout(function () { poll(row); }, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(function () { poll(row); }, 3000);
      });
  }

  table.querySelectorAll("tr[data-report]").forEach(function (row) {
    var status = row.getAttribute("data-status");
    if (status === "queued" || status === "running") {
      poll(row);
    }
  });
})();
