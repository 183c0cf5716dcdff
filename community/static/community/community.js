// Community: progressive enhancements only; every page works without this file.
(function () {
  "use strict";

  // Buttons that only matter without JavaScript ("Find similar": htmx does it live).
  document.querySelectorAll("[data-hide-with-js]").forEach(function (element) {
    element.hidden = true;
  });

  // Destructive moderator buttons ask first.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();
