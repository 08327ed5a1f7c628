/* Listing filters and sorting, as progressive enhancement.
   Without JS the page shows its static, paginated listing. With JS, the
   products embedded as JSON (all pages of this listing) can be filtered by
   category, brand, colour and price and sorted; the URL query string keeps
   the state so a filtered view can be shared. Product data is untrusted:
   it is validated before use and only ever written with textContent and
   attribute setters, never innerHTML. */
(function () {
  "use strict";
  var form = document.querySelector("[data-listing-filters]");
  var grid = document.querySelector("[data-listing-grid]");
  var dataEl = document.querySelector("script[data-listing-products]");
  if (!form || !grid || !dataEl) return;

  var items;
  try { items = JSON.parse(dataEl.textContent); } catch (e) { return; }
  if (!Array.isArray(items)) return;
  var safeUrl = function (u) { return typeof u === "string" && /^(https?:\/\/|\/(?!\/))/i.test(u) ? u : ""; };
  var str = function (v) { return typeof v === "string" ? v : ""; };
  items = items.filter(function (p) { return p && typeof p === "object" && typeof p.price === "number"; })
    .map(function (p) {
      return { id: p.id, rank: +p.rank || 0, name: str(p.name), url: safeUrl(p.url), click: safeUrl(p.click),
        img: safeUrl(p.img), price: p.price, priceText: str(p.priceText),
        regularText: str(p.regularText), reduction: +p.reduction || 0, store: str(p.store),
        brand: str(p.brand), color: str(p.color),
        categories: Array.isArray(p.categories) ? p.categories.filter(function (c) { return typeof c === "string"; }) : [] };
    });

  var staticCards = Array.prototype.slice.call(grid.children);
  var pager = document.querySelector(".pagination");
  var empty = document.querySelector("[data-listing-empty]");
  var target = (grid.querySelector("a.btn") || {}).target || "_blank";
  var buttonText = (grid.querySelector("a.btn") || {}).textContent || "→";

  function fill(name, values) {
    var select = form.elements[name];
    var seen = {};
    values.forEach(function (v) { if (v) seen[v] = true; });
    var keys = Object.keys(seen).sort(function (a, b) { return a.localeCompare(b); });
    if (keys.length < 2) { select.parentNode.hidden = true; return; }
    keys.forEach(function (v) { var o = document.createElement("option"); o.value = v; o.textContent = v; select.appendChild(o); });
  }
  fill("category", [].concat.apply([], items.map(function (p) { return p.categories; })));
  fill("brand", items.map(function (p) { return p.brand; }));
  fill("color", items.map(function (p) { return p.color; }));

  var FIELDS = ["category", "brand", "color", "min", "max", "sort"];
  var params = new URLSearchParams(location.search);
  FIELDS.forEach(function (f) { if (params.has(f)) form.elements[f].value = params.get(f); });

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }
  function card(p) {
    var li = el("li", "product-card");
    if (p.reduction > 0) li.appendChild(el("span", "badge", "\u2212" + p.reduction + "%"));
    var thumb = li.appendChild(el("div", "thumb"));
    if (p.img) {
      var img = thumb.appendChild(el("img"));
      img.src = p.img; img.alt = p.name; img.width = 220; img.height = 220; img.loading = "lazy";
    }
    var body = li.appendChild(el("div", "body"));
    var h3 = body.appendChild(el("h3"));
    if (p.url) { var a = h3.appendChild(el("a", "", p.name)); a.href = p.url; } else h3.textContent = p.name;
    body.appendChild(el("span", "store", p.store + (p.brand ? " \u00b7 " + p.brand : "")));
    var price = body.appendChild(el("span", "price" + (p.reduction > 0 ? " on-sale" : ""), p.priceText));
    if (p.regularText) { price.appendChild(document.createTextNode(" ")); price.appendChild(el("del", "", p.regularText)); }
    if (p.click) {
      var buy = body.appendChild(el("a", "btn btn-small", buttonText));
      buy.href = p.click; buy.rel = "sponsored nofollow noopener"; buy.target = target;
    }
    return li;
  }

  function apply() {
    var v = {};
    FIELDS.forEach(function (f) { v[f] = form.elements[f].value; });
    var query = new URLSearchParams(location.search);
    FIELDS.forEach(function (f) { if (v[f]) query.set(f, v[f]); else query.delete(f); });
    var qs = query.toString();
    history.replaceState(null, "", location.pathname + (qs ? "?" + qs : "") + location.hash);
    var active = FIELDS.some(function (f) { return v[f]; });
    grid.textContent = "";
    if (!active) {
      staticCards.forEach(function (c) { grid.appendChild(c); });
      if (pager) pager.hidden = false;
      empty.hidden = true;
      return;
    }
    var min = parseFloat(v.min), max = parseFloat(v.max);
    var shown = items.filter(function (p) {
      return (!v.category || p.categories.indexOf(v.category) >= 0) && (!v.brand || p.brand === v.brand) &&
        (!v.color || p.color === v.color) && (isNaN(min) || p.price >= min) && (isNaN(max) || p.price <= max);
    });
    var sorters = {
      "price": function (a, b) { return a.price - b.price || a.rank - b.rank; },
      "-price": function (a, b) { return b.price - a.price || a.rank - b.rank; },
      "-reduction": function (a, b) { return b.reduction - a.reduction || a.rank - b.rank; }
    };
    shown.sort(sorters[v.sort] || function (a, b) { return a.rank - b.rank; });
    shown.forEach(function (p) { grid.appendChild(card(p)); });
    if (pager) pager.hidden = true;
    empty.hidden = shown.length > 0;
  }

  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("reset", function () { setTimeout(apply, 0); });
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  form.hidden = false;
  if (FIELDS.some(function (f) { return params.has(f); })) apply();
})();
