/* Small progressive enhancements; every page works without them (CSP: script-src 'self'). */
document.addEventListener("DOMContentLoaded", function () {
  // Move focus to the error summary so screen readers and keyboard users land on it.
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
});
