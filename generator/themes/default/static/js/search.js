/* The /search/ page: Pagefind's UI over the static index, or a note when the
   build had no Pagefind. */
(function () {
  "use strict";
  var box = document.getElementById("search");
  if (!box) return;
  if (!window.PagefindUI) { document.getElementById("search-off").hidden = false; return; }
  var ui = new window.PagefindUI({ element: "#search", showImages: false, baseUrl: box.getAttribute("data-base"),
    autofocus: true });
  var q = new URLSearchParams(location.search).get("q");
  if (q) ui.triggerSearch(q);
})();
