/* Khizana: the "larger text" switch and "show more" in the facets. The pages work without it. */
(function () {
  "use strict";
  var root = document.documentElement;
  var KEY = "khizana-large-text";

  function textSize() {
    var button = document.getElementById("text-size");
    if (!button) return;
    button.setAttribute("aria-pressed", root.classList.contains("large-text") ? "true" : "false");
    button.addEventListener("click", function () {
      var on = root.classList.toggle("large-text");
      button.setAttribute("aria-pressed", on ? "true" : "false");
      try { localStorage.setItem(KEY, on ? "1" : "0"); } catch (e) { /* private browsing */ }
    });
  }

  function facets() {
    var groups = document.querySelectorAll("fieldset[data-more]");
    Array.prototype.forEach.call(groups, function (group) {
      var list = group.querySelector("ul");
      if (!list || !list.querySelector(".extra")) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "show-more";
      button.setAttribute("aria-expanded", "false");
      button.setAttribute("aria-controls", list.id);
      button.textContent = group.getAttribute("data-more");
      group.classList.add("collapsed");
      button.addEventListener("click", function () {
        var open = group.classList.toggle("collapsed") === false;
        button.setAttribute("aria-expanded", open ? "true" : "false");
        button.textContent = group.getAttribute(open ? "data-less" : "data-more");
      });
      list.parentNode.insertBefore(button, list.nextSibling);
    });
  }

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () { textSize(); facets(); });
})();
