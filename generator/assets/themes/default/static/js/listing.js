/* Listing filters and sorting, as progressive enhancement.
   Without JS the page shows its static, paginated listing (the filter form is
   hidden by CSS). With JS, the form, already in the HTML with its options,
   filters by category, brand, colour and price and sorts across every page of
   the listing: the products come from the listing's JSON file (form
   data-src), fetched once on the first use of the filters. The URL query string keeps the state so a filtered view can be
   shared, and the product count follows the filters. Product data is
   untrusted: it is validated before use and only ever written with
   textContent and attribute setters, never innerHTML. */
(function () {
  "use strict";
  var form = document.querySelector("[data-listing-filters]");
  var grid = document.querySelector("[data-listing-grid]");
  if (!form || !grid) return;
  var src = form.getAttribute("data-src");
  if (!src) return;

  var safeUrl = function (u) { return typeof u === "string" && /^(https:\/\/|\/(?!\/))/i.test(u) ? u : ""; };
  var safeLink = function (u) { return typeof u === "string" && /^(https?:\/\/|\/(?!\/))/i.test(u) ? u : ""; };
  var str = function (v) { return typeof v === "string" ? v : ""; };
  function clean(list) {
    if (!Array.isArray(list)) return [];
    return list.filter(function (p) { return p && typeof p === "object" && typeof p.price === "number"; })
      .map(function (p) {
        return { id: p.id, rank: +p.rank || 0, name: str(p.name), url: safeLink(p.url), click: safeLink(p.click),
          img: safeUrl(p.img), price: p.price, priceText: str(p.priceText),
          regularText: str(p.regularText), reduction: +p.reduction || 0, store: str(p.store),
          brand: str(p.brand), color: str(p.color),
          categories: Array.isArray(p.categories) ? p.categories.filter(function (c) { return typeof c === "string"; }) : [] };
      });
  }

  var loading = null;
  function load() {
    if (!loading) {
      loading = fetch(src, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      }).then(clean);
      loading.catch(function () { loading = null; });
    }
    return loading;
  }

  var staticCards = Array.prototype.slice.call(grid.children);
  var pager = document.querySelector(".pagination");
  var empty = document.querySelector("[data-listing-empty]");
  var counter = document.querySelector("[data-listing-count]");
  var staticCount = counter ? counter.textContent : "";
  var lang = document.documentElement.lang || "en";
  var plural = window.Intl && Intl.PluralRules ? new Intl.PluralRules(lang) : null;
  var number = window.Intl ? new Intl.NumberFormat(lang) : null;
  var firstBuy = grid.querySelector("a.btn");
  var target = firstBuy ? firstBuy.target : "_blank";
  var buttonText = firstBuy ? firstBuy.firstChild.textContent : "\u2192";

  var FIELDS = ["category", "brand", "color", "min", "max", "sort"].filter(function (f) { return form.elements[f]; });
  var params = new URLSearchParams(location.search);
  FIELDS.forEach(function (f) { if (params.has(f)) form.elements[f].value = params.get(f); });

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }
  function card(p, eager) {
    var li = el("li", "product-card");
    if (p.reduction > 0) li.appendChild(el("span", "badge", "\u2212" + p.reduction + "%"));
    var thumb = li.appendChild(el("div", "thumb"));
    if (p.img) {
      var img = thumb.appendChild(el("img"));
      img.alt = p.name; img.width = 220; img.height = 220; img.decoding = "async";
      if (!eager) img.loading = "lazy";
      // Drawn outside the document, so base.html's listener misses its error: the same placeholder here.
      img.onerror = function () { thumb.classList.add("no-img"); };
      img.src = p.img;
    } else thumb.classList.add("no-img");
    var body = li.appendChild(el("div", "body"));
    var h3 = body.appendChild(el("h3"));
    if (p.url) { var a = h3.appendChild(el("a", "", p.name)); a.href = p.url; } else h3.textContent = p.name;
    body.appendChild(el("span", "store", p.store + (p.brand ? " \u00b7 " + p.brand : "")));
    var price = body.appendChild(el("span", "price" + (p.reduction > 0 ? " on-sale" : ""), p.priceText));
    if (p.regularText) { price.appendChild(document.createTextNode(" ")); price.appendChild(el("del", "", p.regularText)); }
    if (p.click) {
      var buy = body.appendChild(el("a", "btn btn-small", buttonText));
      buy.appendChild(el("span", "visually-hidden", ": " + p.store));
      buy.href = p.click; buy.rel = "sponsored nofollow noopener"; buy.target = target;
    }
    return li;
  }
  function showCount(n) {
    if (!counter) return;
    var attr = (plural ? plural.select(n) : (n === 1 ? "one" : "other")) === "one" ? "data-one" : "data-other";
    counter.textContent = (counter.getAttribute(attr) || "{n}").replace("{n}", number ? number.format(n) : String(n));
  }

  var SORTERS = {
    "price": function (a, b) { return a.price - b.price || a.rank - b.rank; },
    "-price": function (a, b) { return b.price - a.price || a.rank - b.rank; },
    "-reduction": function (a, b) { return b.reduction - a.reduction || a.rank - b.rank; }
  };
  var MAX_SHOWN = 240;  // a filtered view of a huge listing shows its first cards; the count stays true
  var generation = 0;

  function values() {
    var v = {};
    FIELDS.forEach(function (f) { v[f] = form.elements[f].value; });
    return v;
  }
  function apply() {
    var v = values();
    var query = new URLSearchParams(location.search);
    FIELDS.forEach(function (f) { if (v[f]) query.set(f, v[f]); else query.delete(f); });
    var qs = query.toString();
    history.replaceState(null, "", location.pathname + (qs ? "?" + qs : "") + location.hash);
    var active = FIELDS.some(function (f) { return v[f]; });
    var mine = ++generation;
    if (!active) {
      grid.textContent = "";
      staticCards.forEach(function (c) { grid.appendChild(c); });
      if (pager) pager.hidden = false;
      if (empty) empty.hidden = true;
      if (counter) counter.textContent = staticCount;
      grid.removeAttribute("aria-busy");
      return;
    }
    grid.setAttribute("aria-busy", "true");
    load().then(function (items) {
      if (mine !== generation) return;  // a newer change is being applied
      var min = parseFloat(v.min), max = parseFloat(v.max);
      var shown = items.filter(function (p) {
        return (!v.category || p.categories.indexOf(v.category) >= 0) && (!v.brand || p.brand === v.brand) &&
          (!v.color || p.color === v.color) && (isNaN(min) || p.price >= min) && (isNaN(max) || p.price <= max);
      });
      shown.sort(SORTERS[v.sort] || function (a, b) { return a.rank - b.rank; });
      grid.textContent = "";
      shown.slice(0, MAX_SHOWN).forEach(function (p, i) { grid.appendChild(card(p, i < 4)); });
      if (pager) pager.hidden = true;
      if (empty) empty.hidden = shown.length > 0;
      showCount(shown.length);
      grid.removeAttribute("aria-busy");
    }, function () {
      grid.removeAttribute("aria-busy");
      if (mine === generation && empty) { empty.hidden = false; }
    });
  }

  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("reset", function () { setTimeout(apply, 0); });
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  // Start the download when a visitor heads for the filters, before the first change.
  ["focusin", "pointerenter", "touchstart"].forEach(function (type) {
    form.addEventListener(type, function () { load(); }, { once: true, passive: true });
  });
  if (FIELDS.some(function (f) { return params.has(f); })) apply();
})();
