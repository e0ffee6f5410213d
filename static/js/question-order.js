// Survey editor: drag a question by its handle to reorder (mouse, pen or touch), or use its Up
// and Down buttons (keyboard). The whole order is saved through the editor's order endpoint;
// without scripts the Up/Down forms post and the page reloads.
document.addEventListener("DOMContentLoaded", function () {
  var list = document.querySelector("ol.questions[data-order-url]");
  if (!list) { return; }
  var status = document.getElementById("reorder-status");
  var token = document.querySelector("input[name=csrfmiddlewaretoken]");

  function items() { return Array.prototype.slice.call(list.querySelectorAll("li[data-id]")); }
  function say(text) { if (status) { status.textContent = text; } }

  function refreshButtons() {
    var all = items();
    all.forEach(function (li, n) {
      var up = li.querySelector('button[value="up"]');
      var down = li.querySelector('button[value="down"]');
      if (up) { up.disabled = n === 0; }
      if (down) { down.disabled = n === all.length - 1; }
    });
  }

  function save(before) {
    var body = new URLSearchParams();
    items().forEach(function (li) { body.append("order", li.dataset.id); });
    say("Saving the order…");
    return fetch(list.dataset.orderUrl, {
      method: "POST",
      headers: { "X-CSRFToken": token ? token.value : "", "X-Requested-With": "fetch" },
      body: body,
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw new Error(data.detail || "The order was not saved."); }
        say(data.detail || "Order saved.");
      });
    }).catch(function (error) {
      // Put the list back as it was: the server kept the old order.
      before.forEach(function (li) { list.appendChild(li); });
      refreshButtons();
      say(error.message || "The order was not saved; reload the page.");
    });
  }

  // Up / Down: move in place and keep the keyboard focus on the same button.
  list.addEventListener("click", function (event) {
    var button = event.target.closest("button[name=direction]");
    if (!button || !list.contains(button)) { return; }
    event.preventDefault();
    var li = button.closest("li[data-id]");
    var before = items();
    if (button.value === "up" && li.previousElementSibling) {
      list.insertBefore(li, li.previousElementSibling);
    } else if (button.value === "down" && li.nextElementSibling) {
      list.insertBefore(li.nextElementSibling, li);
    } else { return; }
    refreshButtons();
    if (button.disabled) {
      var other = li.querySelector('button[name=direction]:not([disabled])');
      if (other) { other.focus(); }
    } else { button.focus(); }
    save(before);
  });

  // Drag by the handle with pointer events: works for a mouse, a pen and a finger alike.
  var dragging = null;
  var start = null;
  list.addEventListener("pointerdown", function (event) {
    var handle = event.target.closest(".drag-handle");
    if (!handle || event.button !== 0) { return; }
    event.preventDefault();
    dragging = handle.closest("li[data-id]");
    start = items();
    dragging.classList.add("dragging");
    document.body.classList.add("reordering");
  });
  // On the document: the dragged item moves in the DOM, which would end a pointer capture.
  document.addEventListener("pointermove", function (event) {
    if (!dragging) { return; }
    var target = null;
    items().forEach(function (li) {
      if (li === dragging) { return; }
      var box = li.getBoundingClientRect();
      if (event.clientY > box.top && event.clientY < box.bottom) { target = li; }
    });
    if (!target) { return; }
    var box = target.getBoundingClientRect();
    var after = event.clientY > box.top + box.height / 2;
    list.insertBefore(dragging, after ? target.nextElementSibling : target);
  });
  function drop() {
    if (!dragging) { return; }
    dragging.classList.remove("dragging");
    document.body.classList.remove("reordering");
    dragging = null;
    var changed = items().some(function (li, n) { return li !== start[n]; });
    refreshButtons();
    if (changed) { save(start); }
  }
  document.addEventListener("pointerup", drop);
  document.addEventListener("pointercancel", drop);
});
