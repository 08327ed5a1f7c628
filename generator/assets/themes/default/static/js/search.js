/* The /search/ page: Pagefind's UI over the static index, or a note when the
   build had no Pagefind. A big site's index comes in shards: /pagefind/ holds
   the first, /pagefind/shards.json lists the others, which Pagefind merges at
   query time. Product pages carry their image and price as Pagefind metadata;
   the price is shown after the title. The search box of the site header sends
   ?q= here. */
(function () {
  "use strict";
  var box = document.getElementById("search");
  if (!box) return;
  if (!window.PagefindUI) { document.getElementById("search-off").hidden = false; return; }
  var base = box.getAttribute("data-base");

  function start(merge) {
    var ui = new window.PagefindUI({
      element: "#search", showImages: true, showSubResults: false, baseUrl: base,
      autofocus: true,
      mergeIndex: merge.map(function (path) { return { bundlePath: base + "pagefind/" + path }; }),
      translations: { placeholder: box.getAttribute("data-placeholder") || undefined },
      processResult: function (result) {
        // The price joins the title; left in meta, Pagefind would list it again as an English "price:" tag.
        if (result && result.meta && result.meta.price) {
          result.meta.title = result.meta.title + " \u2013 " + result.meta.price;
          delete result.meta.price;
        }
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

  function load() {
    fetch(base + "pagefind/shards.json")
      .then(function (response) { return response.ok ? response.json() : {}; })
      .catch(function () { return {}; })
      .then(function (shards) { start(shards.merge || []); });
  }

  // The UI starts once its sheet has loaded (search.html loads it without blocking): no unstyled flash.
  var sheet = document.querySelector("link[data-pagefind-css]");
  if (sheet && sheet.media !== "all") {
    var go = function () { sheet.removeEventListener("load", go); sheet.removeEventListener("error", go); load(); };
    sheet.addEventListener("load", go);
    sheet.addEventListener("error", go);
  } else load();
})();
