// Draws the Analytics page's charts from the JSON figures the page carries (no inline scripts).
(function () {
  "use strict";
  function draw() {
    if (!window.Plotly) { return; }
    document.querySelectorAll("section.chart[data-chart]").forEach(function (section) {
      var id = section.getAttribute("data-chart");
      var data = document.getElementById("chart-" + id + "-figure");
      var target = document.getElementById("chart-" + id);
      if (!data || !target) { return; }
      var figure = JSON.parse(data.textContent);
      window.Plotly.newPlot(target, figure.data, figure.layout,
        { displaylogo: false, responsive: true }).then(function () {
        section.setAttribute("data-drawn", "true");
      });
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
