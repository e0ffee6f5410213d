// Tables and payloads wider (or taller) than their box scroll inside themselves (app.css); a
// keyboard user reaches them by Tab and scrolls them with the arrow keys. Without this script
// they still scroll by touch and mouse.
(function () {
  function mark() {
    document.querySelectorAll("main table, main pre").forEach(function (el) {
      if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1) {
        el.setAttribute("tabindex", "0");
      } else if (el.getAttribute("tabindex") === "0") {
        el.removeAttribute("tabindex");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", mark);
  window.addEventListener("resize", mark);
  document.addEventListener("htmx:afterSettle", mark);
})();
