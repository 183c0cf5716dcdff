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

  // Phones: the Menu button in the header folds the main navigation into a panel (base.html,
  // portal.css). Without this script the button stays hidden and every link shows, stacked.
  var header = document.querySelector(".site-header");
  var navToggle = header && header.querySelector(".nav-toggle");
  var nav = navToggle && document.getElementById(navToggle.getAttribute("aria-controls"));
  if (navToggle && nav) {
    var setNavOpen = function (open) {
      navToggle.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("is-open", open);
    };
    header.classList.add("has-nav-toggle");
    navToggle.hidden = false;
    navToggle.addEventListener("click", function () {
      var open = navToggle.getAttribute("aria-expanded") !== "true";
      setNavOpen(open);
      if (open) {
        header.querySelectorAll("details.user-menu[open]").forEach(function (menu) {
          menu.open = false;
        });
      }
    });
    header.querySelectorAll("details.user-menu").forEach(function (menu) {
      menu.addEventListener("toggle", function () {
        if (menu.open) {
          setNavOpen(false);
        }
      });
    });
    document.addEventListener("click", function (event) {
      if (nav.classList.contains("is-open") && !header.contains(event.target)) {
        setNavOpen(false);
      }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && nav.classList.contains("is-open")) {
        setNavOpen(false);
        navToggle.focus();
      }
    });
  }

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
