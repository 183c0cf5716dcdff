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

  // File pickers: the chosen files' names and sizes listed under the input (portal.css).
  function fileSize(bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    if (bytes < 1024 * 1024) {
      return Math.round(bytes / 1024) + " KB";
    }
    return (bytes / 1024 / 1024).toFixed(1) + " MB";
  }
  document.querySelectorAll('input[type="file"]').forEach(function (input) {
    var list = document.createElement("ul");
    list.className = "file-list";
    list.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", list);
    input.addEventListener("change", function () {
      list.textContent = "";
      Array.prototype.forEach.call(input.files || [], function (file) {
        var item = document.createElement("li");
        var name = document.createElement("span");
        var size = document.createElement("span");
        name.className = "file-name";
        name.textContent = file.name;
        size.className = "muted small";
        size.textContent = fileSize(file.size);
        item.appendChild(name);
        item.appendChild(size);
        list.appendChild(item);
      });
    });
  });

  // Destructive forms and buttons (data-confirm="question"): ask once, in the page's own
  // <dialog> (templates/portal/confirm_dialog.html), before submitting. Focus starts on Cancel,
  // Tab reaches the confirming button, Escape cancels; the submitter's formaction is kept.
  var confirmDialog = document.getElementById("confirm-dialog");
  var confirmed = new WeakSet();
  var pendingConfirm = null;
  if (confirmDialog && typeof confirmDialog.showModal === "function") {
    var confirmText = confirmDialog.querySelector("[data-confirm-text]");
    var confirmOk = confirmDialog.querySelector("[data-confirm-ok]");
    var confirmCancel = confirmDialog.querySelector("[data-confirm-cancel]");
    var okLabel = confirmOk.textContent;
    document.addEventListener("submit", function (event) {
      var form = event.target;
      var submitter = event.submitter || null;
      var source = submitter && submitter.hasAttribute("data-confirm") ? submitter
        : form.hasAttribute("data-confirm") ? form : null;
      if (!source || form.method === "dialog") {
        return;
      }
      if (confirmed.has(form)) {
        confirmed.delete(form);
        return;
      }
      event.preventDefault();
      pendingConfirm = { form: form, submitter: submitter };
      confirmText.textContent = source.getAttribute("data-confirm");
      confirmOk.textContent = source.getAttribute("data-confirm-label") || okLabel;
      confirmDialog.showModal();
      confirmCancel.focus();
    });
    // Settled synchronously from the buttons and Escape (not from the asynchronous "close"
    // event, which could arrive after the next question was asked).
    var settle = function (yes) {
      var pending = pendingConfirm;
      pendingConfirm = null;
      if (confirmDialog.open) {
        confirmDialog.close(yes ? "confirm" : "cancel");
      }
      if (!pending) {
        return;
      }
      if (!yes) {
        var back = pending.submitter || pending.form.querySelector("[type=submit]");
        if (back) {
          back.focus();
        }
        return;
      }
      confirmed.add(pending.form);
      if (pending.form.requestSubmit) {
        pending.form.requestSubmit(pending.submitter || undefined);
      } else {
        pending.form.submit();
      }
    };
    confirmOk.addEventListener("click", function (event) {
      event.preventDefault();
      settle(true);
    });
    confirmCancel.addEventListener("click", function (event) {
      event.preventDefault();
      settle(false);
    });
    confirmDialog.addEventListener("cancel", function (event) {
      event.preventDefault();
      settle(false);
    });
  }

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
