// Small progressive enhancements; every page reads fine without them.
(function () {
  "use strict";
  // Show <time datetime="…"> values in the viewer's locale and time zone.
  function localTimes(root) {
    var fmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
    root.querySelectorAll("time[datetime]").forEach(function (node) {
      var when = new Date(node.getAttribute("datetime"));
      if (!isNaN(when)) { node.title = node.textContent; node.textContent = fmt.format(when); }
    });
  }
  // Ask before a destructive form is sent (buttons marked class="danger").
  function confirmDanger() {
    document.querySelectorAll("form button.danger").forEach(function (button) {
      button.form.addEventListener("submit", function (event) {
        if (!window.confirm(button.getAttribute("aria-label") + "?")) { event.preventDefault(); }
      });
    });
  }
  // <input data-filter-table="ID">: hide the rows of table ID whose text lacks what is typed.
  function liveFilters() {
    document.querySelectorAll("input[data-filter-table]").forEach(function (input) {
      var table = document.getElementById(input.getAttribute("data-filter-table"));
      if (!table) { return; }
      input.addEventListener("input", function () {
        var wanted = input.value.trim().toLowerCase();
        table.querySelectorAll("tbody tr").forEach(function (row) {
          row.hidden = wanted !== "" && row.textContent.toLowerCase().indexOf(wanted) < 0;
        });
      });
    });
  }
  // <table class="sortable">: a click (or Enter) on a header sorts the rows by that column.
  function sortableTables() {
    document.querySelectorAll("table.sortable").forEach(function (table) {
      table.querySelectorAll("thead th").forEach(function (header, column) {
        header.classList.add("sortable-header");
        header.tabIndex = 0;
        function sort() {
          var ascending = header.getAttribute("aria-sort") !== "ascending";
          table.querySelectorAll("thead th").forEach(function (h) { h.removeAttribute("aria-sort"); });
          header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
          var body = table.tBodies[0];
          var rows = Array.prototype.slice.call(body.rows);
          rows.sort(function (a, b) {
            var x = (a.cells[column] || {}).textContent || "", y = (b.cells[column] || {}).textContent || "";
            var order = x.localeCompare(y, undefined, { numeric: true, sensitivity: "base" });
            return ascending ? order : -order;
          });
          rows.forEach(function (row) { body.appendChild(row); });
        }
        header.addEventListener("click", sort);
        header.addEventListener("keydown", function (event) { if (event.key === "Enter") { sort(); } });
      });
    });
  }
  window.OdooBridge = { localTimes: localTimes };
  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    confirmDanger();
    liveFilters();
    sortableTables();
  });
})();
