// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  function localTimes(root) {
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      var at = new Date(el.getAttribute("datetime"));
      if (!isNaN(at)) {
        el.textContent = at.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
        el.title = el.getAttribute("datetime") + " (UTC)";
      }
    });
  }
  function copyButtons(root) {
    root.querySelectorAll("[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var target = document.getElementById(button.getAttribute("data-copy"));
        if (target && navigator.clipboard) {
          navigator.clipboard.writeText(target.textContent.trim()).then(function () {
            button.textContent = "Copied";
          });
        }
      });
    });
  }
  // A form htmx sends in place asks in htmx:confirm below; the others ask here, before the browser posts.
  function confirmForms(root) {
    root.querySelectorAll(window.htmx ? "form[data-confirm]:not([hx-boost])" : "form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) {
          event.preventDefault();
        }
      });
    });
  }
  function enhance(root) {
    localTimes(root);
    copyButtons(root);
    confirmForms(root);
  }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSwap", function (event) { enhance(event.target); });
  document.addEventListener("htmx:confirm", function (event) {
    var form = event.detail.elt.closest("form[data-confirm]");
    if (form) {
      event.preventDefault();
      if (window.confirm(form.getAttribute("data-confirm"))) {
        event.detail.issueRequest(true);
      }
    }
  });
})();
