/*
 * Draw every Vega-Lite chart on the page (see templates/performance/_chart.html).
 *
 * Each chart is a <div data-vega-spec="ID"> whose spec sits in <script type="application/json"
 * id="ID"> (Django's json_script). The spec is drawn by vega-embed with Vega's CSP-safe expression
 * interpreter (no eval, no new Function), on a canvas (no inline style attributes), without
 * vega-embed's injected stylesheet or its actions menu. The table alternative next to each chart
 * is the same data, and is what readers without JavaScript get.
 */
(function () {
  "use strict";

  function draw(element) {
    if (element.getAttribute("data-vega-drawn") === "true") {
      return;
    }
    var source = document.getElementById(element.getAttribute("data-vega-spec"));
    if (!source || !window.vegaEmbed || !window.vegaExpressionInterpreter) {
      return;
    }
    var spec;
    try {
      spec = JSON.parse(source.textContent);
    } catch (error) {
      return;
    }
    element.setAttribute("data-vega-drawn", "true");
    element.hidden = false;
    window
      .vegaEmbed(element, spec, {
        ast: true,
        expr: window.vegaExpressionInterpreter,
        defaultStyle: false,
        actions: false,
        renderer: "canvas",
        tooltip: false,
      })
      .catch(function () {
        // The table alternative stays; hide the empty chart area.
        element.hidden = true;
        element.setAttribute("data-vega-drawn", "failed");
      });
  }

  function drawAll() {
    var charts = document.querySelectorAll("[data-vega-spec]");
    for (var i = 0; i < charts.length; i += 1) {
      draw(charts[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
