/*
 * Small conveniences for the console. Every page works without them.
 *
 * - select[data-autosubmit]: submit the form when the choice changes (filters, account
 *   switcher); requestSubmit() lets htmx take over boosted forms.
 * - input[data-select-all="<name>"]: tick or untick every checkbox of that name in the
 *   same form (changelist bulk actions).
 * - button[data-copy="<selector>"]: copy the value of the element to the clipboard.
 * - GET forms leave empty fields out of the URL (?q=grace, not ?q=grace&role=&admin=).
 * - details[data-nav-menu] (the sidebar): folded on a narrow screen (the page's own
 *   script folds it before the first paint), opened when the window grows wide, folded
 *   again when it turns narrow.
 */
(function () {
  "use strict";

  var narrow = window.matchMedia("(max-width: 900px)");
  narrow.addEventListener("change", function () {
    document.querySelectorAll("details[data-nav-menu]").forEach(function (menu) {
      menu.open = !narrow.matches;
    });
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("select[data-autosubmit]") && target.form) {
      if (typeof target.form.requestSubmit === "function") {
        target.form.requestSubmit();
      } else {
        target.form.submit();
      }
    }
    if (target.matches("input[data-select-all]") && target.form) {
      var boxes = target.form.querySelectorAll(
        'input[type="checkbox"][name="' + target.getAttribute("data-select-all") + '"]'
      );
      boxes.forEach(function (box) {
        box.checked = target.checked;
      });
    }
  });

  // Capture phase: runs before htmx reads the form's values on a boosted form.
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if ((form.getAttribute("method") || "get").toLowerCase() !== "get") {
        return;
      }
      var emptied = [];
      Array.prototype.forEach.call(form.elements, function (field) {
        if (field.name && !field.disabled && field.value === "" && field.type !== "submit") {
          field.disabled = true;
          emptied.push(field);
        }
      });
      setTimeout(function () {
        emptied.forEach(function (field) {
          field.disabled = false;
        });
      }, 0);
    },
    true
  );

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) {
      return;
    }
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) {
      return;
    }
    var done = function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () {
        button.textContent = label;
      }, 2000);
    };
    source.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.value).then(done, function () {
        document.execCommand("copy");
        done();
      });
    } else {
      document.execCommand("copy");
      done();
    }
  });
})();
