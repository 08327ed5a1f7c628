/* Old WordPress URLs keep working on a site made by `shelfpress import wordpress`.
   - Home and section pages: ?p=ID and ?page_id=ID go to the page's new URL (from /wordpress-ids.json, which the
     importer writes; fetched only when such a parameter is present).
   - Listing pages: the Shopello plugin's visitor parameters become this listing's filters and page,
     before js/listing.js reads them: swp_category -> category, swp_maxprice -> max, swp_sorting +
     swp_sortorder -> sort, swp_color -> color, swp_page (with swp_pagesize) -> /page/N/,
     swp_query -> the site search. Does nothing on any other URL. */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script ? script.src.replace(/js\/wordpress-urls\.js(?:[?#].*)?$/, "") : location.origin + "/";
  var params = new URLSearchParams(location.search);
  var id = params.get("p") || params.get("page_id");
  if (id && /^\d+$/.test(id)) {
    fetch(base + "wordpress-ids.json").then(function (r) { return r.ok ? r.json() : {}; }).then(function (ids) {
      var url = ids && Object.prototype.hasOwnProperty.call(ids, id) ? ids[id] : "";
      if (typeof url === "string" && /^\/(?!\/)/.test(url)) location.replace(base + url.slice(1));
    }).catch(function () {});
    return;
  }
  var swp = function (name) { return (params.get("swp_" + name) || "").trim(); };
  if (!Array.from(params.keys()).some(function (k) { return k.indexOf("swp_") === 0; })) return;

  if (swp("query")) { location.replace(base + "search/?q=" + encodeURIComponent(swp("query"))); return; }

  var out = new URLSearchParams();
  params.forEach(function (value, key) { if (key.indexOf("swp_") !== 0) out.set(key, value); });
  // The listing's filter form has every category (with its ids) and colour as options.
  var options = function (name) {
    return Array.prototype.slice.call(document.querySelectorAll("[data-listing-filters] select[name=" + name + "] option"));
  };
  var category = swp("category").split(",")[0];
  options("category").some(function (o) {
    var hit = category !== "" && (o.getAttribute("data-ids") || "").split(" ").indexOf(category) >= 0;
    if (hit) out.set("category", o.value);
    return hit;
  });
  if (/^\d+(\.\d+)?$/.test(swp("maxprice"))) out.set("max", swp("maxprice"));
  if (swp("sorting").toLowerCase() === "price") out.set("sort", swp("sortorder").toUpperCase() === "DESC" ? "-price" : "price");
  var color = swp("color").toLowerCase();
  options("color").some(function (o) {
    var hit = color !== "" && o.value.toLowerCase() === color;
    if (hit) out.set("color", o.value);
    return hit;
  });

  var page = parseInt(swp("page"), 10) || 1;
  var grid = document.querySelector("[data-listing-grid]");
  var pages = document.querySelectorAll(".pagination li a[aria-label], .pagination li span[aria-current]").length || 1;
  var oldSize = parseInt(swp("pagesize"), 10);
  var perPage = grid ? grid.children.length : 0;
  if (oldSize > 0 && perPage > 0) page = Math.floor((page - 1) * oldSize / perPage) + 1;
  page = Math.min(Math.max(page, 1), pages);
  var root = location.pathname.replace(/page\/\d+\/$/, "");
  var filtered = ["category", "max", "sort", "color"].some(function (k) { return out.has(k); });
  var path = filtered || page === 1 ? root : root + "page/" + page + "/";
  var qs = out.toString();
  var url = path + (qs ? "?" + qs : "") + location.hash;
  if (path !== location.pathname) location.replace(url); else history.replaceState(null, "", url);
})();
