/* The queue's "select all on this page" box for bulk dispatch. Delegated from the document so
 * it keeps working after htmx swaps the results in. No inline script (CSP: script-src 'self'). */
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box || box.id !== "pick-all") {
      return;
    }
    var form = box.form;
    if (!form) {
      return;
    }
    form.querySelectorAll("input[type=checkbox][name=orders]").forEach(function (item) {
      item.checked = box.checked;
    });
  });
}());
