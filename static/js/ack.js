// One click from an email or chat message: a person's browser submits the form; link
// scanners, which do not run scripts, only see the page.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("ack-form");
  if (form && form.dataset.autoSubmit === "1") {
    form.submit();
  }
});
