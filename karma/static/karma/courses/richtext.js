// A small rich-text editor for text lessons, built on the page's textarea.
// Without JavaScript the textarea stays and takes HTML; with it, authors
// format with a toolbar. The server sanitises whatever arrives (nh3), and
// the content security policy keeps any script in the text from running.
(function () {
  "use strict";

  var ACTIONS = [
    ["bold", "Bold", "B"],
    ["italic", "Italic", "I"],
    ["h2", "Heading", "H"],
    ["insertUnorderedList", "Bulleted list", "•"],
    ["insertOrderedList", "Numbered list", "1."],
    ["createLink", "Link", "Link"],
    ["removeFormat", "Clear formatting", "Clear"]
  ];
  var UNSAFE = "script, style, iframe, object, embed, link, meta";

  // Parse the textarea's HTML without running anything, and drop what the
  // server would drop anyway, before showing it as editable content.
  function safeFragment(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    doc.querySelectorAll(UNSAFE).forEach(function (node) { node.remove(); });
    doc.body.querySelectorAll("*").forEach(function (node) {
      Array.prototype.slice.call(node.attributes).forEach(function (attr) {
        var value = attr.value.trim().toLowerCase();
        if (attr.name.indexOf("on") === 0 || attr.name === "style" ||
            value.indexOf("javascript:") === 0) {
          node.removeAttribute(attr.name);
        }
      });
    });
    return doc.body;
  }

  function run(action, editor) {
    editor.focus();
    if (action === "h2") {
      document.execCommand("formatBlock", false, "h2");
    } else if (action === "createLink") {
      var url = window.prompt("Link address (https://…)");
      if (url && /^(https?:|mailto:)/i.test(url.trim())) {
        document.execCommand("createLink", false, url.trim());
      }
    } else {
      document.execCommand(action, false, null);
    }
  }

  function enhance(textarea) {
    var label = document.querySelector('label[for="' + textarea.id + '"]');
    var toolbar = document.createElement("div");
    toolbar.className = "btn-toolbar gap-1 mb-2";
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", "Text formatting");

    var editor = document.createElement("div");
    editor.className = "form-control karma-richtext";
    editor.contentEditable = "true";
    editor.setAttribute("role", "textbox");
    editor.setAttribute("aria-multiline", "true");
    editor.setAttribute("aria-label", label ? label.textContent.trim() : "Lesson text");
    var body = safeFragment(textarea.value);
    while (body.firstChild) { editor.appendChild(body.firstChild); }

    ACTIONS.forEach(function (item) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-sm btn-outline-secondary";
      button.textContent = item[2];
      button.setAttribute("aria-label", item[1]);
      button.addEventListener("click", function () {
        run(item[0], editor);
        textarea.value = editor.innerHTML;
      });
      toolbar.appendChild(button);
    });

    editor.addEventListener("input", function () { textarea.value = editor.innerHTML; });
    textarea.form.addEventListener("submit", function () { textarea.value = editor.innerHTML; });
    if (label) {
      label.addEventListener("click", function (event) {
        event.preventDefault();
        editor.focus();
      });
    }
    textarea.hidden = true;
    textarea.parentNode.insertBefore(toolbar, textarea);
    textarea.parentNode.insertBefore(editor, textarea);
  }

  var areas = document.querySelectorAll("textarea[data-rich-text]");
  if (areas.length) {
    // New lines become paragraphs, as the server's allowed tags expect.
    document.execCommand("defaultParagraphSeparator", false, "p");
  }
  areas.forEach(enhance);
})();
