// Findings by severity as a stacked bar chart (plotly, served from the installed package).
// The table next to it carries the same numbers for readers without JavaScript.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var node = document.getElementById("findings-chart");
    var data = document.getElementById("findings-data");
    if (!node || !data || !window.Plotly) { return; }
    var parsed = JSON.parse(data.textContent);
    var colours = { critical: "#a4161a", high: "#d1495b", medium: "#edae49", low: "#66a182", info: "#8a93a3" };
    var traces = parsed.severities.map(function (severity) {
      var envs = Object.keys(parsed.series);
      return {
        type: "bar", name: severity, x: envs,
        y: envs.map(function (env) { return parsed.series[env][severity]; }),
        marker: { color: colours[severity] }
      };
    });
    window.Plotly.newPlot(node, traces, {
      barmode: "stack", margin: { t: 10, r: 10, b: 40, l: 40 }, height: 260,
      legend: { orientation: "h" }, font: { family: "system-ui, sans-serif" }
    }, { displayModeBar: false, responsive: true });
  });
})();
