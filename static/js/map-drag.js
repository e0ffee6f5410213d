// Drag a step with the mouse (or a finger) on a workflow map's lane board: drop it between the
// steps of its lane to reorder it, or into another lane to move it there. The drop submits the
// board's form (op=place); the lane menu and the ↑ ↓ buttons stay as the keyboard way.
(function () {
  "use strict";
  var drag = null;

  function stepsOf(list) {
    return Array.prototype.filter.call(list.children, function (el) {
      return el.classList.contains("board-step") && el !== drag.item;
    });
  }

  function start(e) {
    var rect = drag.item.getBoundingClientRect();
    drag.started = true;
    drag.placeholder = document.createElement("li");
    drag.placeholder.className = "board-placeholder";
    drag.placeholder.setAttribute("aria-hidden", "true");
    drag.placeholder.style.height = rect.height + "px";
    drag.ghost = drag.item.cloneNode(true);
    drag.ghost.classList.add("board-ghost");
    drag.ghost.removeAttribute("data-testid");
    drag.ghost.style.width = rect.width + "px";
    drag.dx = e.clientX - rect.left;
    drag.dy = e.clientY - rect.top;
    drag.item.parentNode.insertBefore(drag.placeholder, drag.item);
    drag.item.classList.add("board-dragging");
    document.body.appendChild(drag.ghost);
  }

  function move(e) {
    drag.ghost.style.left = e.clientX - drag.dx + "px";
    drag.ghost.style.top = e.clientY - drag.dy + "px";
    var under = document.elementFromPoint(e.clientX, e.clientY);
    var list = under && under.closest(".board-steps");
    if (!list) return;
    var before = null;
    var steps = stepsOf(list);
    for (var i = 0; i < steps.length; i++) {
      var r = steps[i].getBoundingClientRect();
      if (e.clientY < r.top + r.height / 2) { before = steps[i]; break; }
    }
    list.insertBefore(drag.placeholder, before);
  }

  function finish(drop) {
    var d = drag;
    drag = null;
    if (!d || !d.started) return;
    d.ghost.remove();
    d.item.classList.remove("board-dragging");
    var list = d.placeholder.parentNode;
    var next = d.placeholder.nextElementSibling;
    while (next && (next === d.item || !next.classList.contains("board-step"))) {
      next = next.nextElementSibling;
    }
    var unchanged = list === d.origin && next === d.originNext;
    list.insertBefore(d.item, d.placeholder);
    d.placeholder.remove();
    if (!drop || unchanged) {
      d.origin.insertBefore(d.item, d.originNextRaw);
      return;
    }
    var form = document.getElementById("step-place");
    form.elements.step.value = d.item.dataset.step;
    form.elements.lane.value = list.dataset.lane;
    form.elements.before.value = next ? next.dataset.step : "";
    d.item.classList.add("board-saving");
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  document.addEventListener("pointerdown", function (e) {
    var item = e.target.closest && e.target.closest(".board-step");
    if (!item || e.button !== 0 || drag) return;
    var originNext = item.nextElementSibling;
    while (originNext && !originNext.classList.contains("board-step")) {
      originNext = originNext.nextElementSibling;
    }
    drag = {
      item: item, x: e.clientX, y: e.clientY, started: false,
      origin: item.parentNode, originNext: originNext, originNextRaw: item.nextSibling,
    };
    e.preventDefault();
  });
  document.addEventListener("pointermove", function (e) {
    if (!drag) return;
    if (!drag.started) {
      if (Math.abs(e.clientX - drag.x) + Math.abs(e.clientY - drag.y) < 6) return;
      start(e);
    }
    e.preventDefault();
    move(e);
  });
  document.addEventListener("pointerup", function () { finish(true); });
  document.addEventListener("pointercancel", function () { finish(false); });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && drag) finish(false);
  });
})();
