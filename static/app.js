/* Small progressive enhancements; every page works without them (CSP: script-src 'self'). */
document.addEventListener("DOMContentLoaded", function () {
  // Move focus to the error summary so screen readers and keyboard users land on it.
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
});

/* Portfolio progress: poll the page quietly and update the status text (aria-live="polite").
   When the work is done, say so and offer the link; the page never reloads or moves by itself. */
(function () {
  var box = document.querySelector("[data-poll]");
  if (!box || !window.fetch || !window.DOMParser) { return; }
  var url = box.getAttribute("data-poll");
  var status = box.querySelector("#voortgang");
  var bar = box.querySelector("progress");
  function poll() {
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var next = doc.querySelector("[data-poll] #voortgang");
      if (next) {
        if (next.textContent !== status.textContent) { status.textContent = next.textContent; }
        var nextBar = doc.querySelector("[data-poll] progress");
        if (nextBar && bar) { bar.value = nextBar.value; bar.max = nextBar.max; }
        window.setTimeout(poll, 3000);
      } else {
        status.textContent = "De beoordeling is klaar. ";
        var link = document.createElement("a");
        link.href = url; link.textContent = "Bekijk de rangschikking";
        status.appendChild(link);
      }
    }).catch(function () { /* keep the manual refresh */ });
  }
  window.setTimeout(poll, 3000);
})();
