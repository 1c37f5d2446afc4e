// The course editor: drag-and-drop reordering of modules and lessons, and
// the lesson form showing only the chosen type's inputs. Everything here has
// a plain-form fallback (the Move up/down buttons, every fieldset visible),
// so the pages work without it.
(function () {
  "use strict";

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

  function showError(message) {
    var status = document.getElementById("editor-status");
    if (!status) { return; }
    status.textContent = "";
    var alert = document.createElement("div");
    alert.className = "alert alert-danger mb-3";
    alert.textContent = message;
    status.appendChild(alert);
  }

  // Dragging leaves emptied style attributes on the items, and htmx copies
  // style attributes onto the new outline as it settles, which the content
  // security policy blocks (and reports). The new outline needs none.
  function dropStyleAttributes() {
    var outline = document.getElementById("outline");
    if (!outline) { return; }
    outline.querySelectorAll("[style]").forEach(function (element) {
      element.removeAttribute("style");
    });
  }
  document.addEventListener("htmx:beforeSwap", dropStyleAttributes);

  function swapOutline(html) {
    dropStyleAttributes();
    htmx.swap("#outline", html, { swapStyle: "outerHTML" });
    setUpSorting(document);
  }

  // On a failure the page may show an order the server does not have:
  // fetch the editor again and put its outline back.
  function reloadOutline() {
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var outline = page.getElementById("outline");
        if (outline) { swapOutline(outline.outerHTML); }
      })
      .catch(function () { window.location.reload(); });
  }

  function saveOrder(list) {
    var outline = document.getElementById("outline");
    var body = new FormData();
    list.querySelectorAll(":scope > [data-id]").forEach(function (item) {
      body.append("ids", item.getAttribute("data-id"));
    });
    if (outline) { outline.classList.add("karma-busy"); }
    fetch(list.getAttribute("data-reorder-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
      body: body
    }).then(function (response) {
      // 200 and 422 both answer with the outline as saved, and a message.
      if (response.ok || response.status === 422) {
        return response.text().then(swapOutline);
      }
      showError("The new order could not be saved (error " + response.status +
        "). The outline shows the order as saved.");
      reloadOutline();
    }).catch(function () {
      showError("The new order could not be saved: the connection failed. " +
        "The outline shows the order as saved.");
      reloadOutline();
    });
  }

  function onDrop(event) {
    if (event.from === event.to && event.oldIndex === event.newIndex) { return; }
    // A lesson dragged to another module is saved with that module's order,
    // which moves it there.
    saveOrder(event.to);
  }

  function setUpSorting(root) {
    if (typeof Sortable === "undefined") { return; }
    root.querySelectorAll(".karma-module-list").forEach(function (list) {
      if (Sortable.get(list)) { return; }
      Sortable.create(list, {
        handle: ".karma-module-handle",
        draggable: ".karma-module",
        ghostClass: "karma-drag-ghost",
        animation: 150,
        onEnd: onDrop
      });
    });
    root.querySelectorAll(".karma-lesson-list").forEach(function (list) {
      if (Sortable.get(list)) { return; }
      Sortable.create(list, {
        group: "lessons",
        handle: ".karma-lesson-handle",
        draggable: ".karma-lesson",
        ghostClass: "karma-drag-ghost",
        animation: 150,
        emptyInsertThreshold: 20,
        onEnd: onDrop
      });
    });
  }

  // After a move the button pressed may now be at an end; keep the focus
  // on the same item rather than losing it to the page.
  var lastMoveButton = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var active = document.activeElement;
    lastMoveButton = active && active.id && active.id.indexOf("move-") === 0 ? active.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!lastMoveButton) { return; }
    var button = document.getElementById(lastMoveButton);
    if (button && document.activeElement !== button) { button.focus(); }
    lastMoveButton = null;
  });

  // The lesson form: show the inputs of the chosen type only.
  function showChosenType(form) {
    var select = form.querySelector('select[name="type"]');
    if (!select) { return; }
    form.querySelectorAll("[data-lesson-type]").forEach(function (part) {
      part.hidden = part.getAttribute("data-lesson-type") !== select.value;
    });
  }

  function setUpLessonForms() {
    document.querySelectorAll("form[data-lesson-form]").forEach(function (form) {
      showChosenType(form);
      form.addEventListener("change", function (event) {
        if (event.target.name === "type") { showChosenType(form); }
      });
    });
  }

  function start() {
    setUpSorting(document);
    setUpLessonForms();
    if (typeof htmx !== "undefined") {
      htmx.onLoad(function (element) { setUpSorting(element); });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
