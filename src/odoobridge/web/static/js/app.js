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
  window.OdooBridge = { localTimes: localTimes };
  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    confirmDanger();
  });
})();
