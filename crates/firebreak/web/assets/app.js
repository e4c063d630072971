// firebreak dashboard: counts deadlines down each second, clears forms htmx has saved, and
// shows why the server refused an htmx request. Everything here is an enhancement: the pages
// work without it.
(function () {
  "use strict";

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  // The same form as the server's `view::span`.
  function span(secs) {
    var d = Math.floor(secs / 86400);
    var h = Math.floor((secs % 86400) / 3600);
    var m = Math.floor((secs % 3600) / 60);
    var s = secs % 60;
    if (secs < 60) return s + "s";
    if (secs < 3600) return m + "m " + pad(s) + "s";
    if (secs < 86400) return h + "h " + pad(m) + "m";
    return d + "d " + pad(h) + "h";
  }

  // Counts from the seconds left when the page was made, so a skewed clock on this computer
  // does not move the deadline.
  function tick() {
    var now = Date.now();
    var clocks = document.querySelectorAll("[data-deadline]");
    for (var i = 0; i < clocks.length; i++) {
      var el = clocks[i];
      var left0 = parseInt(el.getAttribute("data-left"), 10);
      if (isNaN(left0)) continue;
      if (el.fbSeen === undefined) el.fbSeen = now;
      var left = left0 - Math.floor((now - el.fbSeen) / 1000);
      if (el.getAttribute("data-words") === "due") {
        el.textContent = left >= 0 ? "due in " + span(left) : "overdue by " + span(-left);
      } else {
        el.textContent = left >= 0 ? span(left) + " left" : "overdue by " + span(-left);
      }
      el.classList.toggle("breached", left < 0);
    }
  }

  function flash(text) {
    var box = document.getElementById("flash");
    if (!box) return;
    box.textContent = text;
    box.hidden = !text;
  }

  // Copy buttons (`data-copy`) are shown only where the clipboard can be written.
  function copyButtons() {
    if (!navigator.clipboard) return;
    var buttons = document.querySelectorAll("button[data-copy][hidden]");
    for (var i = 0; i < buttons.length; i++) buttons[i].hidden = false;
  }

  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("button[data-copy]");
    if (!button || !navigator.clipboard) return;
    navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
      button.textContent = "Copied";
    });
  });

  document.addEventListener("htmx:afterSettle", copyButtons);

  // A live update redraws the incident; rows the reader opened stay open, and the page does
  // not jump.
  var opened = [];
  var scrollY = 0;
  document.addEventListener("htmx:beforeSwap", function () {
    opened = [];
    var open = document.querySelectorAll("details[id][open]");
    for (var i = 0; i < open.length; i++) opened.push(open[i].id);
    scrollY = window.scrollY;
  });
  document.addEventListener("htmx:afterSwap", function () {
    for (var i = 0; i < opened.length; i++) {
      var d = document.getElementById(opened[i]);
      if (d) d.open = true;
    }
    window.scrollTo(window.scrollX, scrollY);
  });

  document.addEventListener("DOMContentLoaded", function () {
    copyButtons();
    var box = document.getElementById("flash");
    if (box) box.addEventListener("click", function () { flash(""); });
    tick();
    window.setInterval(tick, 1000);
  });

  document.addEventListener("htmx:afterRequest", function (e) {
    var form = e.detail.elt;
    if (!e.detail.successful) return;
    flash("");
    if (form && form.tagName === "FORM" && form.hasAttribute("data-reset")) form.reset();
  });

  document.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail.xhr;
    var text = "The server refused that (" + xhr.status + ").";
    try {
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var problem = doc.getElementById("problem");
      if (problem && problem.textContent.trim()) text = problem.textContent.trim();
    } catch (err) {
      // Keep the plain message.
    }
    flash(text);
  });

  // Marks a live region as connected or not, so the page can say when updates are paused.
  document.addEventListener("htmx:sseOpen", function (e) {
    if (e.target && e.target.setAttribute) e.target.setAttribute("data-live", "open");
  });
  document.addEventListener("htmx:sseError", function (e) {
    if (e.target && e.target.setAttribute) e.target.setAttribute("data-live", "lost");
  });

  document.addEventListener("htmx:sendError", function () {
    flash("The server could not be reached. Your change was not sent; try again.");
  });
})();
