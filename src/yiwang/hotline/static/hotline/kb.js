// Knowledge-base search: changing a filter searches again; a click on a long answer opens it.
(function () {
  "use strict";
  var form = document.getElementById("kb-search-form");
  if (form) {
    form.querySelectorAll("select, input[type=checkbox]").forEach(function (el) {
      el.addEventListener("change", function () {
        var q = form.querySelector("input[name=q]");
        if (q && q.value.trim()) form.submit();
      });
    });
  }
  document.querySelectorAll(".kb-hit .kb-answer").forEach(function (el) {
    el.addEventListener("click", function () { el.classList.toggle("kb-open"); });
  });
})();
