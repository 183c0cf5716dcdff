/* Article engagement beacon: anonymous views, time on page and clicks on related articles.
   Progressive and silent: no beacon support or a failed request never affects the page. */
(function () {
  "use strict";
  var root = document.querySelector("[data-kb-article]");
  if (!root || !navigator.sendBeacon || !window.FormData) {
    return;
  }
  var url = root.getAttribute("data-kb-beacon");
  var article = root.getAttribute("data-kb-article");
  var csrf = root.getAttribute("data-kb-csrf");
  var visibleMs = 0;
  var shownAt = document.visibilityState === "visible" ? Date.now() : null;
  var timeSent = false;

  function send(fields) {
    try {
      var data = new FormData();
      if (csrf) {
        data.append("csrfmiddlewaretoken", csrf);
      }
      data.append("article", article);
      Object.keys(fields).forEach(function (key) {
        data.append(key, fields[key]);
      });
      navigator.sendBeacon(url, data);
    } catch (error) {
      /* ignored on purpose */
    }
  }

  function sendTime() {
    if (shownAt !== null) {
      visibleMs += Date.now() - shownAt;
      shownAt = null;
    }
    if (timeSent || visibleMs < 1000) {
      return;
    }
    timeSent = true;
    send({ event: "time", seconds: String(Math.min(Math.round(visibleMs / 1000), 21600)) });
  }

  /* Anonymous visitors' views are counted here (their page may come from the page cache). */
  if (root.hasAttribute("data-kb-view")) {
    var via = "";
    try {
      via = new URLSearchParams(window.location.search).get("via") || "";
    } catch (error) {
      via = "";
    }
    send({ event: "view", via: via.slice(0, 32) });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      sendTime();
    } else if (shownAt === null) {
      shownAt = Date.now();
    }
  });
  window.addEventListener("pagehide", sendTime);

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("[data-kb-related]") : null;
    if (link) {
      send({ event: "related", target: link.getAttribute("data-kb-related") });
    }
  });
})();
