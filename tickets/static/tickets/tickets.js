// Tickets and desk: progressive enhancements only; every page works without this file.
(function () {
  "use strict";

  // Buttons that only matter without JavaScript (e.g. "Find answers": htmx does it live).
  document.querySelectorAll("[data-hide-with-js]").forEach(function (element) {
    element.hidden = true;
  });

  // Filters that apply as soon as they change (a submit button remains for no-JS).
  document.querySelectorAll("[data-autosubmit]").forEach(function (control) {
    control.addEventListener("change", function () {
      if (control.form) {
        control.form.requestSubmit ? control.form.requestSubmit() : control.form.submit();
      }
    });
  });

  // Long filter panels start closed on narrow screens (open without JavaScript).
  if (window.matchMedia && window.matchMedia("(max-width: 48rem)").matches) {
    document.querySelectorAll("details[data-collapse-narrow]").forEach(function (details) {
      details.open = false;
    });
  }

  // Desk: "select all" checkbox for bulk actions.
  document.querySelectorAll("[data-select-all]").forEach(function (master) {
    var name = master.getAttribute("data-select-all");
    master.hidden = false;
    master.addEventListener("change", function () {
      document.querySelectorAll("input[type=checkbox][name='" + name + "']").forEach(function (box) {
        box.checked = master.checked;
      });
    });
  });
})();
