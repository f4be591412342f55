/* Khizana: draws the charts built by khizana/core/charts.py with Chart.js (web/vendor/chartjs/, loaded
   before this file). Each chart is a <canvas data-chart-config="ID"> and its configuration in
   <script type="application/json" id="ID">, data the browser does not run (the Content-Security-Policy
   allows scripts from our static files only). The table beside each chart holds the same figures:
   without JavaScript, or without Chart.js, it is what the reader gets. */
(function () {
  "use strict";

  function draw(canvas) {
    var block = document.getElementById(canvas.getAttribute("data-chart-config"));
    if (!block || window.Chart.getChart(canvas)) return;
    var config = JSON.parse(block.textContent);
    var options = config.options;
    var extra = options.plugins.khizana || {};
    delete options.plugins.khizana;
    var ticks = extra.ticks || [];
    var texts = extra.texts || [];
    var labelAxis = options.indexAxis === "y" ? "y" : "x";
    var scale = options.scales[labelAxis];
    scale.ticks = scale.ticks || {};
    // the short text under each column (with the year where it changes); the full label is the tooltip's
    scale.ticks.callback = function (value, index) {
      return ticks[index] !== undefined ? ticks[index] : this.getLabelForValue(value);
    };
    options.plugins.tooltip.callbacks = {
      label: function (item) {
        var text = (texts[item.datasetIndex] || [])[item.dataIndex];
        return item.dataset.label + ": " + (text !== undefined ? text : item.formattedValue);
      }
    };
    new window.Chart(canvas, config);
  }

  function drawAll() {
    if (!window.Chart) return;  // Chart.js did not load: the tables say it all
    var style = getComputedStyle(document.body);
    window.Chart.defaults.color = style.color;
    window.Chart.defaults.font.family = style.fontFamily;
    Array.prototype.forEach.call(document.querySelectorAll("canvas[data-chart-config]"), function (canvas) {
      try { draw(canvas); } catch (error) { console.error("chart " + canvas.id + ": " + error); }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
