// Draw every server-built plotly figure on the page: <div data-figure="id-of-json-script">.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.Plotly) { return; }
  document.querySelectorAll("[data-figure]").forEach(function (el) {
    var source = document.getElementById(el.dataset.figure);
    if (!source) { return; }
    var figure = JSON.parse(source.textContent);
    var config = figure.config || {displaylogo: false, responsive: true};
    window.Plotly.newPlot(el, figure.data, figure.layout, config);
  });
});
