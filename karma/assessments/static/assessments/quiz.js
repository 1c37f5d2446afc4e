// The take page of a quiz: a countdown to the deadline, a confirmation
// before submitting, and submitting by itself when time is up. The server
// is the judge of time; this only keeps the learner informed.
(function () {
  "use strict";

  var form = document.querySelector("[data-quiz-form]");
  if (!form) { return; }

  var submittedByClock = false;

  // Ask before a learner submits; not when the clock does it.
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = button && button.getAttribute("data-quiz-confirm");
    if (question && !submittedByClock && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  var deadlineText = form.getAttribute("data-deadline");
  var display = document.querySelector("[data-quiz-countdown]");
  if (!deadlineText) { return; }
  var deadline = Date.parse(deadlineText);
  if (isNaN(deadline)) { return; }

  function pad(number) {
    return (number < 10 ? "0" : "") + number;
  }

  function clock(seconds) {
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = seconds % 60;
    if (hours) { return hours + ":" + pad(minutes) + ":" + pad(rest); }
    return minutes + ":" + pad(rest);
  }

  function tick() {
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    if (display) {
      display.textContent = clock(left);
      // Say it out loud once a minute is all that remains.
      if (left === 60) { display.parentNode.setAttribute("aria-live", "assertive"); }
    }
    if (left > 0) { return; }
    window.clearInterval(timer);
    submittedByClock = true;
    // submit() skips submit handlers (htmx, the confirmation): this form
    // posts to the submit address with the answers as they stand.
    form.submit();
  }

  var timer = window.setInterval(tick, 1000);
  tick();
})();
