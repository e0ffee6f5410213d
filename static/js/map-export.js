// PNG export of a workflow map: draw the server's SVG onto a canvas and download it.
(function () {
  "use strict";
  function pngFrom(link) {
    fetch(link.href, { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (svgText) {
        var img = new Image();
        // A data: URL, because the page's CSP allows data: images (not blob:).
        var url = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svgText);
        img.onload = function () {
          var scale = 2;
          var canvas = document.createElement("canvas");
          canvas.width = img.width * scale;
          canvas.height = img.height * scale;
          var ctx = canvas.getContext("2d");
          ctx.scale(scale, scale);
          ctx.drawImage(img, 0, 0);
          canvas.toBlob(function (blob) {
            var a = document.createElement("a");
            a.href = URL.createObjectURL(blob);
            a.download = link.dataset.png || "map.png";
            document.body.appendChild(a);
            a.click();
            a.remove();
          }, "image/png");
        };
        img.src = url;
      });
  }
  function wire() {
    document.querySelectorAll("a.png-export").forEach(function (link) {
      link.hidden = false;
      if (link.dataset.wired) return;
      link.dataset.wired = "1";
      link.addEventListener("click", function (e) { e.preventDefault(); pngFrom(link); });
    });
  }
  document.addEventListener("DOMContentLoaded", wire);
  document.addEventListener("htmx:afterSettle", wire);
})();
