// Skip logic on the public survey: a question with data-show-if shows only when the earlier
// answer matches. The server applies the same rule, so this is only a convenience.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector(".survey-form");
  if (!form) { return; }
  function values(name) {
    return Array.prototype.map.call(
      form.querySelectorAll('[name="' + name + '"]:checked'), function (el) { return el.value; });
  }
  function refresh() {
    form.querySelectorAll("[data-show-if]").forEach(function (block) {
      var wanted = block.dataset.showValues.split("|");
      var shown = values(block.dataset.showIf).some(function (v) { return wanted.indexOf(v) >= 0; });
      block.hidden = !shown;
    });
  }
  form.addEventListener("change", refresh);
  refresh();
});
