// Docs: select a passage of the page to comment on it inline.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var body = document.getElementById("page-body");
    var quote = document.getElementById("id_quote");
    var comment = document.getElementById("id_body");
    if (!body || !quote || !comment) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "small quote-button";
    button.textContent = "Comment on this passage";
    button.hidden = true;
    body.parentNode.insertBefore(button, body);
    var selected = "";
    function check() {
      var sel = window.getSelection();
      var text = sel ? sel.toString().replace(/\s+/g, " ").trim() : "";
      var inside = sel && sel.rangeCount && body.contains(sel.getRangeAt(0).commonAncestorContainer);
      selected = inside ? text.slice(0, 1000) : "";
      button.hidden = !selected;
    }
    document.addEventListener("selectionchange", check);
    button.addEventListener("click", function () {
      if (!selected) return;
      quote.value = selected;
      comment.focus();
      comment.scrollIntoView({ block: "center" });
    });
  });
})();
