// Community: progressive enhancements only; every page works without this file.
(function () {
  "use strict";

  // Buttons that only matter without JavaScript ("Find similar": htmx does it live).
  document.querySelectorAll("[data-hide-with-js]").forEach(function (element) {
    element.hidden = true;
  });

  // An anonymous visitor's view of a thread (the page may come from the visitor page cache,
  // where the view that counts views did not run). Silent: a failure never affects the page.
  var seen = document.querySelector("[data-community-seen]");
  if (seen && navigator.sendBeacon) {
    try {
      navigator.sendBeacon(seen.getAttribute("data-community-seen"));
    } catch (error) {
      /* ignored on purpose */
    }
  }

  // Destructive moderator buttons (data-confirm) ask first: portal.js's in-page dialog.
})();
