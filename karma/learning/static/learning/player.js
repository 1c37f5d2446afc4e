// The lesson player: reports time spent, the parts of a video played and
// reading to the end, and shows completions as they happen. The server
// decides every completion from these reports. Without this script the
// lesson still shows and the Mark complete form still works.
(function () {
  "use strict";

  var root = document.querySelector("[data-player]");
  // Staff previews carry no events address: nothing is recorded for them.
  if (!root || !root.getAttribute("data-events-url")) { return; }

  var eventsUrl = root.getAttribute("data-events-url");
  var lessonId = root.getAttribute("data-lesson-id");
  var heartbeatMs = (parseInt(root.getAttribute("data-heartbeat-seconds"), 10) || 30) * 1000;
  // Time counts only while the learner did something this recently.
  var ACTIVE_MS = 2 * 60 * 1000;
  var VIDEO_REPORT_MS = 10 * 1000;
  var completed = root.getAttribute("data-completed") === "true";
  var courseCompleted = root.getAttribute("data-course-completed") === "true";
  var video = root.querySelector("video[data-player-video]");
  var lastActivity = Date.now();

  function csrfToken() {
    try {
      var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      if (headers["X-CSRFToken"]) { return headers["X-CSRFToken"]; }
    } catch (e) {
      // Fall back to a form's hidden token below.
    }
    var input = document.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }

  // Post one event; resolve with the server's answer, or null when it
  // failed (offline, signed out). Video reports carry every range played
  // so far, so the next one makes up for a lost one.
  function post(payload) {
    return fetch(eventsUrl, {
      method: "POST",
      credentials: "same-origin",
      // Every report outlives the page: a learner who clicks Next while one
      // is on its way must not lose it (bodies are tiny, far under the
      // browser's keepalive budget).
      keepalive: true,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(payload)
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (answer) {
      if (answer) { show(answer); }
      return answer;
    }).catch(function () {
      return null;
    });
  }

  // Events go one at a time, in order: a video's pause and end arrive
  // together, and two writes of one lesson's record at once would only
  // queue on the server. `makePayload` runs when the event's turn comes,
  // so a queued video report carries the ranges played by then.
  var queue = Promise.resolve();

  function send(makePayload) {
    var answer = queue.then(function () {
      var payload = makePayload();
      return payload ? post(payload) : null;
    });
    // A failure stays with its own event; the ones after it still go.
    queue = answer.catch(function () { return null; });
    return answer;
  }

  // --- Showing progress ------------------------------------------------------

  function announce(message) {
    var region = root.querySelector("[data-player-announce]");
    if (!region) { return; }
    // Emptied first, so the same words said twice are announced twice.
    region.textContent = "";
    window.setTimeout(function () { region.textContent = message; }, 50);
  }

  function showProgress(answer) {
    var bar = root.querySelector("[data-progress-bar]");
    var fill = root.querySelector("[data-progress-fill]");
    var text = root.querySelector("[data-progress-text]");
    var percent = Math.max(0, Math.min(100, parseInt(answer.progress_percent, 10) || 0));
    if (bar) { bar.setAttribute("aria-valuenow", String(percent)); }
    if (fill) {
      fill.className = fill.className.replace(/\bkarma-progress-\d+\b/, "karma-progress-" + percent);
      if (answer.course_completed) { fill.classList.add("bg-success"); }
    }
    if (text) {
      text.textContent = answer.course_completed
        ? percent + "% · Course completed"
        : percent + "% · " + answer.required_done + " of " + answer.required_total +
          " required lessons done";
    }
  }

  function markLessonDone() {
    var state = document.querySelector('[data-lesson-state="' + lessonId + '"]');
    if (state) {
      state.classList.add("is-done");
      state.querySelector("[data-state-icon]").textContent = "✓";
      state.querySelector("[data-state-text]").textContent = "Done: ";
    }
    var status = root.querySelector("[data-lesson-status]");
    if (status) {
      status.textContent = "✓ Completed.";
      status.classList.remove("text-body-secondary");
      status.classList.add("text-success");
    }
  }

  function show(answer) {
    if (answer.completed && !completed) {
      completed = true;
      showProgress(answer);
      markLessonDone();
      announce("Lesson complete. Course progress " + answer.progress_percent + "%.");
    }
    if (answer.course_completed && !courseCompleted) {
      courseCompleted = true;
      showProgress(answer);
      var box = root.querySelector("[data-course-complete]");
      if (box) { box.hidden = false; }
      announce("Lesson complete. You have completed this course.");
    }
  }

  // --- Time spent: heartbeats while the learner is here and doing something ---

  function noteActivity() { lastActivity = Date.now(); }

  ["pointerdown", "pointermove", "keydown", "scroll", "wheel", "touchstart"].forEach(
    function (name) {
      document.addEventListener(name, noteActivity, { capture: true, passive: true });
    }
  );

  function videoPlaying() {
    return Boolean(video) && !video.paused && !video.ended;
  }

  function engaged() {
    return document.visibilityState === "visible" &&
      (videoPlaying() || Date.now() - lastActivity < ACTIVE_MS);
  }

  function heartbeat() { return { type: "heartbeat" }; }

  window.setInterval(function () {
    if (engaged()) { send(heartbeat); }
  }, heartbeatMs);
  // The first heartbeat starts the clock; the server credits the time
  // between heartbeats, never more than a short interval at once.
  if (document.visibilityState === "visible") { send(heartbeat); }

  // --- Video: what was actually played (seeking adds nothing) ---------------------

  if (video) {
    var timer = null;
    var reportQueued = false;

    var playedRanges = function () {
      var ranges = [];
      for (var i = 0; i < video.played.length; i += 1) {
        ranges.push([
          Math.round(video.played.start(i) * 100) / 100,
          Math.round(video.played.end(i) * 100) / 100
        ]);
      }
      return ranges;
    };

    var videoReport = function () {
      var duration = video.duration;
      if (completed || !isFinite(duration) || duration <= 0 || !video.played.length) {
        return null;
      }
      return { type: "video", ranges: playedRanges(), duration: duration };
    };

    // One queued report at most: it reads the ranges when it is sent.
    var reportVideo = function () {
      if (reportQueued) { return; }
      reportQueued = true;
      send(function () {
        reportQueued = false;
        return videoReport();
      });
    };

    var stopReporting = function () {
      window.clearInterval(timer);
      timer = null;
      reportVideo();
    };

    video.addEventListener("play", function () {
      if (timer === null) { timer = window.setInterval(reportVideo, VIDEO_REPORT_MS); }
    });
    video.addEventListener("pause", stopReporting);
    video.addEventListener("ended", stopReporting);
    // Leaving the page mid-video: sent at once, outside the queue, and
    // keepalive lets the report outlive the page.
    window.addEventListener("pagehide", function () {
      var report = videoReport();
      if (report) { post(report); }
    });
  }

  // --- Text and documents: the end of the lesson came into view ------------------

  var sentinel = root.querySelector("[data-end-sentinel]");
  if (sentinel && !completed && "IntersectionObserver" in window) {
    // Reached but not yet answered: a learner who clicks Next at once
    // would otherwise leave with the report still waiting in the queue.
    var endUnanswered = false;
    var observer = new IntersectionObserver(function (entries) {
      if (!entries.some(function (entry) { return entry.isIntersecting; })) { return; }
      observer.disconnect();
      endUnanswered = true;
      send(function () { return { type: "reached_end" }; }).then(function (answer) {
        if (answer) {
          endUnanswered = false;
          return;
        }
        // Try again later when the report was lost.
        window.setTimeout(function () { observer.observe(sentinel); }, 5000);
      });
    });
    observer.observe(sentinel);
    // Sent outside the queue with keepalive, so it outlives the page; the
    // server ignores a second report of a lesson already complete.
    window.addEventListener("pagehide", function () {
      if (endUnanswered) { post({ type: "reached_end" }); }
    });
  }
})();
