// Rule editor: show only the settings of the action chosen under "Then" (all show without JS).
(function () {
  const select = document.getElementById("id_action");
  if (!select) return;
  const blocks = document.querySelectorAll(".then-fields");
  const handoffOnly = document.querySelectorAll("[data-handoff-only]");
  function update() {
    blocks.forEach((block) => {
      block.hidden = block.dataset.action !== select.value;
    });
    const handingOff = select.value === "handoffs.create";
    handoffOnly.forEach((el) => {
      el.hidden = !handingOff;
    });
  }
  select.addEventListener("change", update);
  update();
})();
