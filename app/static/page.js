// Behaviour every page shares, kept out of the HTML so the Content-Security-Policy can forbid
// inline scripts and inline styles (issue 11). Data reaches the page only as text:
//  - <form data-confirm="Remove X?">  asks before submitting (the text is never parsed as HTML);
//  - <button data-print>             prints the page; <a data-back> goes back a page;
//  - data-left / data-width (percent) and data-colour set positions and colours through the
//    CSSOM, which style-src 'self' allows (a style="" attribute would be blocked).
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });

  document.addEventListener("click", function (event) {
    var target = event.target && event.target.closest ? event.target : null;
    if (!target) { return; }
    if (target.closest("[data-print]")) { window.print(); }
    // "Go back" on error pages (a javascript: link would break the CSP).
    if (target.closest("a[data-back]") && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });

  function percent(value) {
    var n = parseFloat(value);
    return isFinite(n) ? Math.max(0, Math.min(100, n)) + "%" : null;
  }
  function colour(value) {
    return /^#[0-9a-fA-F]{3,8}$/.test(value || "") ? value : null;
  }

  window.applyDataStyles = function (root) {
    (root || document).querySelectorAll("[data-left], [data-width], [data-colour]").forEach(function (el) {
      var left = percent(el.getAttribute("data-left"));
      var width = percent(el.getAttribute("data-width"));
      var c = colour(el.getAttribute("data-colour"));
      if (left !== null) { el.style.left = left; }
      if (width !== null) { el.style.width = width; }
      if (c !== null) { el.style.setProperty("--c", c); }
    });
  };
  window.applyDataStyles(document);

  // A form that comes back with problems moves focus to its error summary (GOV.UK pattern), or
  // to a likely-duplicate warning, so a screen-reader user hears what is wrong first (issue 13).
  var first = document.querySelector("[data-focus-on-load]");
  if (first) { first.focus(); }

  // A link in the error summary puts the cursor in the field it names, not only scrolls to it.
  document.addEventListener("click", function (event) {
    var link = event.target && event.target.closest ? event.target.closest(".error-summary a[href^='#']") : null;
    if (!link) { return; }
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (field) {
      event.preventDefault();
      field.focus();
      field.scrollIntoView({ block: "center" });
    }
  });
})();
