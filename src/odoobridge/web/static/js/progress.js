// Live progress of a running sync: polls the run and updates the bar; reloads the page when done.
(function () {
  "use strict";
  function watch(box) {
    var runId = box.getAttribute("data-run");
    var bar = box.querySelector(".progress > span");
    var phase = box.querySelector("[data-phase]");
    var done = box.querySelector("[data-done]");
    function poll() {
      fetch("/api/sync/runs/" + runId, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (run) {
          if (!run) { return; }
          if (run.status !== "running") { window.location.reload(); return; }
          var p = run.progress || {};
          if (phase) { phase.textContent = p.phase || ""; }
          if (done) { done.textContent = p.done || 0; }
          if (bar) {
            var pct = p.total ? Math.min(100, Math.round(100 * p.done / p.total)) : null;
            bar.style.width = pct === null ? "100%" : pct + "%";
            bar.parentNode.classList.toggle("indeterminate", pct === null);
            if (pct !== null) { bar.parentNode.setAttribute("aria-valuenow", pct); }
          }
          setTimeout(poll, 1000);
        })
        .catch(function () { setTimeout(poll, 3000); });
    }
    poll();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-run]").forEach(watch);
  });
})();
