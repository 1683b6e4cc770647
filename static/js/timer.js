// The running timer's live counter: every element with data-timer-started (an ISO 8601
// instant) shows the time since then as hh:mm:ss, updated each second. A static file, so
// the Content Security Policy needs no inline script; without JavaScript the start time
// printed next to it still tells the story.
(function () {
  "use strict";

  function pad(number) {
    return String(number).padStart(2, "0");
  }

  function elapsed(since) {
    var seconds = Math.max(0, Math.floor((Date.now() - since) / 1000));
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    return pad(hours) + ":" + pad(minutes) + ":" + pad(seconds % 60);
  }

  function tick() {
    document.querySelectorAll("[data-timer-started]").forEach(function (element) {
      var since = Date.parse(element.getAttribute("data-timer-started"));
      if (!Number.isNaN(since)) {
        element.textContent = elapsed(since);
      }
    });
  }

  function start() {
    tick();
    window.setInterval(tick, 1000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
