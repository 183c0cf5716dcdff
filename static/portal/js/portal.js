// Progressive enhancements only: every page works without this file.
(function () {
  "use strict";

  // Copy buttons: <button data-copy-target="input-id" data-copied-label="Copied" hidden>
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy-target"));
    if (!input || !navigator.clipboard) {
      return;
    }
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(function () {
        button.textContent = button.getAttribute("data-copied-label") || label;
        window.setTimeout(function () { button.textContent = label; }, 2500);
      }, function () {
        input.focus();
        input.select();
      });
    });
  });

  // Read-only secrets: select the whole value on focus, ready for Ctrl+C.
  document.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });

  // Destructive forms: ask once before submitting.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });

  // Disclosure menus (<details>): close on Escape and when clicking elsewhere.
  var menus = document.querySelectorAll("details.user-menu");
  document.addEventListener("click", function (event) {
    menus.forEach(function (menu) {
      if (menu.open && !menu.contains(event.target)) {
        menu.open = false;
      }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    menus.forEach(function (menu) {
      if (menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  });
})();
