// Karma's small page behaviours. No inline scripts anywhere: the content
// security policy forbids them.
(function () {
  "use strict";

  // Tell the server the browser's time zone so it shows times in it.
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf("karma_tz=" + encodeURIComponent(zone)) === -1) {
      document.cookie = "karma_tz=" + encodeURIComponent(zone) +
        "; path=/; max-age=31536000; SameSite=Lax";
    }
  } catch (e) {
    // Old browsers without Intl keep UTC.
  }

  // Forms and buttons marked data-confirm ask before they act.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      // Stop here, in the capture phase, so htmx's own submit handler on
      // the form never sees the event either.
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  // A "select all" checkbox ticks every checkbox named by its data-select-all.
  document.addEventListener("change", function (event) {
    var box = event.target;
    var name = box.getAttribute && box.getAttribute("data-select-all");
    if (!name) { return; }
    document.querySelectorAll('input[type="checkbox"][name="' + name + '"]')
      .forEach(function (other) { other.checked = box.checked; });
  });
})();
