// The room view's countdown: the server says how many seconds the current team has left when
// it renders; this ticks it down locally (no clock skew between the room's screen and the
// server) and turns red when the team runs over. Re-reads after every htmx swap.
(function () {
  function label(seconds) {
    var s = Math.abs(Math.round(seconds));
    var text = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
    return seconds < 0 ? "−" + text : text;
  }
  function tick() {
    document.querySelectorAll("[data-remaining]").forEach(function (el) {
      if (!el.dataset.t0) {
        el.dataset.t0 = String(Date.now());
      }
      var left = Number(el.dataset.remaining) - (Date.now() - Number(el.dataset.t0)) / 1000;
      el.textContent = label(left);
      el.classList.toggle("over", left < 0);
      el.classList.toggle("ending", left >= 0 && left < 30);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    tick();
    window.setInterval(tick, 500);
  });
})();
