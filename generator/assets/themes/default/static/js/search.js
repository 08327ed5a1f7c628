/* The /search/ page: Pagefind's UI over the static index, or a note when the
   build had no Pagefind. Product pages carry their image and price as
   Pagefind metadata; the price is shown after the title. The search box of
   the site header sends ?q= here. */
(function () {
  "use strict";
  var box = document.getElementById("search");
  if (!box) return;
  if (!window.PagefindUI) { document.getElementById("search-off").hidden = false; return; }
  // The UI starts once its sheet has loaded (search.html loads it without blocking): no unstyled flash.
  var sheet = document.querySelector("link[data-pagefind-css]");
  if (sheet && sheet.media !== "all") {
    var go = function () { sheet.removeEventListener("load", go); sheet.removeEventListener("error", go); start(); };
    sheet.addEventListener("load", go);
    sheet.addEventListener("error", go);
  } else start();

  function start() {
    var ui = new window.PagefindUI({
      element: "#search", showImages: true, showSubResults: false, baseUrl: box.getAttribute("data-base"),
      autofocus: true,
      translations: { placeholder: box.getAttribute("data-placeholder") || undefined },
      processResult: function (result) {
        if (result && result.meta && result.meta.price) result.meta.title = result.meta.title + " \u2013 " + result.meta.price;
        return result;
      }
    });
    // Pagefind's input has a placeholder but no accessible name: give it the page's label.
    var label = box.getAttribute("data-label");
    var name = function () {
      var input = box.querySelector("input");
      if (input && label && !input.getAttribute("aria-label")) input.setAttribute("aria-label", label);
      return !!input;
    };
    if (!name()) new MutationObserver(function (_, obs) { if (name()) obs.disconnect(); }).observe(box, { childList: true, subtree: true });
    var q = new URLSearchParams(location.search).get("q");
    if (q) ui.triggerSearch(q);
  }
})();
