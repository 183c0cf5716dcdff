/* "On this page": marks the section being read in the table of contents (aria-current) and
   folds the phone TOC after a jump. Progressive: without it the TOC is plain links. */
(function () {
  "use strict";
  var links = Array.prototype.slice.call(document.querySelectorAll("[data-kb-toc] a[href^='#']"));
  if (!links.length) {
    return;
  }
  var headings = [];
  links.forEach(function (link) {
    var target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (target && headings.indexOf(target) === -1) {
      headings.push(target);
    }
  });
  var current = null;
  var queued = false;

  function mark() {
    queued = false;
    var line = window.innerHeight * 0.3;
    var found = null;
    headings.forEach(function (heading) {
      if (heading.getBoundingClientRect().top <= line) {
        found = heading;
      }
    });
    var root = document.documentElement;
    if (headings.length && window.scrollY > 0 && window.innerHeight + window.scrollY >= root.scrollHeight - 2) {
      found = headings[headings.length - 1]; /* the page cannot scroll the last one higher */
    }
    var id = found ? found.id : null;
    if (id === current) {
      return;
    }
    current = id;
    links.forEach(function (link) {
      if (id && link.hash === "#" + id) {
        link.setAttribute("aria-current", "location");
      } else {
        link.removeAttribute("aria-current");
      }
    });
  }

  function queue() {
    if (!queued) {
      queued = true;
      window.requestAnimationFrame(mark);
    }
  }

  window.addEventListener("scroll", queue, { passive: true });
  window.addEventListener("resize", queue);
  document.querySelectorAll("details[data-kb-toc]").forEach(function (details) {
    details.addEventListener("click", function (event) {
      if (event.target.closest && event.target.closest("a[href^='#']")) {
        details.open = false;
      }
    });
  });
  mark();
})();
