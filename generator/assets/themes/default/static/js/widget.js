/* shelfpress product widget: <div data-shelfpress-widget="NAME"></div>
   <script src="https://SITE/widgets/NAME.js" async></script>
   Loads NAME.json next to this script, validates it, and renders the cards
   inside a Shadow DOM (host CSS cannot reach in, ours cannot leak out).
   Product data is untrusted: only textContent and attribute setters, never
   innerHTML; links must be http(s). Styles go in a constructed style sheet
   and CSSOM properties, so a strict host CSP needs no 'unsafe-inline'.
   Context widgets rank their prebuilt index by the host page's ?q= or first
   <h1> (tokenised and accent-folded as the build folded the index; a word
   also matches index words that share its stem, "taklampa" ~ "taklampor").
   The index holds only the widget's own query results; stop words (sv, da,
   nb, en: the JSON's `stop`) never count. */
(function () {
  "use strict";
  var me = document.currentScript;
  var m = me && /([a-z0-9-]+)\.js(?:[?#].*)?$/.exec(me.src);
  if (!m || !window.fetch || !document.head.attachShadow) return;
  var name = m[1];
  // Layouts fit any width from a 250 px sidebar to a wide column: the grid has at most
  // --c columns and never one under 130 px (so phones get 2, sidebars 1); carousel cards
  // are at least 140 px; list rows keep image | text | button, and below 360 px (a
  // container query on the widget, not the window) the button moves under the text.
  // Words wrap between words, never letter by letter; names stop after three lines.
  // A failed product image becomes the theme's placeholder (style.css .no-img) as an image.
  var PLACEHOLDER = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 60 60'%3E" +
    "%3Crect width='60' height='60' fill='%23f5f5f4'/%3E%3Cg transform='translate(18 18)' fill='none' " +
    "stroke='%23a8a29e' stroke-width='1.5'%3E%3Crect x='3' y='4' width='18' height='16' rx='2'/%3E" +
    "%3Ccircle cx='9' cy='10' r='2'/%3E%3Cpath d='m21 17-5-5-9 8'/%3E%3C/g%3E%3C/svg%3E";
  var CSS = ":host{all:initial!important;display:block!important}.w{font:14px/1.4 system-ui,sans-serif;" +
    "color:var(--t,#222);background:var(--b,transparent);container-type:inline-size}" +
    "*{box-sizing:border-box;margin:0;padding:0}h2{font-size:16px;margin:0 0 8px}" +
    "ul{list-style:none;display:grid;gap:12px;grid-template-columns:repeat(auto-fill," +
    "minmax(max(130px,calc((100% - (var(--c,4) - 1)*12px)/var(--c,4))),1fr))}" +
    ".carousel{display:flex;overflow-x:auto;scroll-snap-type:x mandatory;padding-bottom:6px}" +
    ".carousel li{flex:0 0 max(140px,calc((100% - (var(--c,4) - 1)*12px)/var(--c,4)));scroll-snap-align:start}" +
    "li{min-width:0}a{display:flex;flex-direction:column;gap:4px;height:100%;padding:8px;border:1px solid #ddd;" +
    "border-radius:6px;color:inherit;text-decoration:none;background:#fff}" +
    "a:hover,a:focus{border-color:var(--a,#b4451f)}" +
    "img{display:block;width:100%;height:auto;aspect-ratio:1;object-fit:contain}" +
    ".n{font-weight:600;overflow-wrap:break-word;display:-webkit-box;-webkit-box-orient:vertical;" +
    "-webkit-line-clamp:3;overflow:hidden}.s{color:#666;font-size:12px;overflow-wrap:break-word}" +
    ".p{font-weight:700}.p.off{color:var(--a,#b4451f)}del{color:#888;font-weight:400;margin-left:4px}" +
    ".btn{margin-top:auto;padding:5px 10px;border:1px solid var(--a,#b4451f);border-radius:4px;" +
    "color:var(--a,#b4451f);font-weight:600;text-align:center;white-space:nowrap}" +
    ".list{grid-template-columns:minmax(0,1fr)}.list a{display:grid;grid-template-columns:64px minmax(0,1fr) " +
    "auto;grid-auto-rows:auto;column-gap:12px;row-gap:2px;align-items:start}" +
    ".list img{grid-column:1;grid-row:1/span 3;width:64px;height:64px}.list .n,.list .s,.list .p{grid-column:2}" +
    ".list .btn{grid-column:3;grid-row:1/span 3;align-self:center;margin:0}" +
    "@container (max-width:360px){.list a{grid-template-columns:56px minmax(0,1fr)}" +
    ".list img{width:56px;height:56px;grid-row:1/span 4}.list .btn{grid-column:2;grid-row:auto;" +
    "justify-self:start;margin-top:4px}}";

  function str(v) { return typeof v === "string" ? v : ""; }
  function url(v) { return typeof v === "string" && /^https?:\/\/[^\s]+$/i.test(v) ? v : ""; }
  function int(v, lo, hi, d) { return typeof v === "number" && v % 1 === 0 && v >= lo && v <= hi ? v : d; }
  function fold(s) {
    return s.toLowerCase().replace(/ø/g, "o").replace(/æ/g, "ae").replace(/ß/g, "ss").replace(/œ/g, "oe")
      .normalize("NFKD").replace(/[\u0300-\u036f]/g, "").split(/[^a-z0-9]+/)
      .filter(function (t) { return t.length > 1; });
  }

  function valid(d) {
    if (!d || d.v !== 1 || !Array.isArray(d.items) || !Array.isArray(d.default)) return null;
    var items = d.items.map(function (p) {
      p = p && typeof p === "object" ? p : {};
      return { name: str(p.name), click: url(p.click), img: url(p.img), price: str(p.price), was: str(p.was),
        off: int(p.off, 0, 100, 0), store: str(p.store) };
    });
    var colors = {};
    var c = d.colors && typeof d.colors === "object" ? d.colors : {};
    ["accent", "text", "background"].forEach(function (k) {
      if (typeof c[k] === "string" && /^(#[0-9a-f]{3,8}|[a-z]{3,20})$/i.test(c[k])) colors[k] = c[k];
    });
    return { items: items, count: int(d.count, 1, 48, 4), columns: int(d.columns, 1, 6, 4), colors: colors,
      layout: ["grid", "carousel", "list"].indexOf(d.layout) >= 0 ? d.layout : "grid", title: str(d.title),
      button: str(d.button), index: d.index && typeof d.index === "object" ? d.index : null,
      stop: Array.isArray(d.stop) ? d.stop.filter(function (t) { return typeof t === "string"; }) : [],
      dflt: d.default.filter(function (i) { return items[i]; }) };
  }

  function context() {
    var q = new URLSearchParams(location.search).get("q");
    var h1 = document.querySelector("h1");
    return q || (h1 ? h1.textContent : "");
  }

  function rank(w) {
    var stop = Object.create(null);
    w.stop.forEach(function (t) { stop[t] = true; });
    var words = w.index ? fold(context()).filter(function (t) { return !stop[t]; }) : [];
    var score = {}, keys = w.index ? Object.keys(w.index) : [];
    words.forEach(function (q) {
      keys.forEach(function (k) {
        var f = k === q ? 1 : q.length > 3 && k.indexOf(q.slice(0, Math.max(4, q.length - 2))) === 0 ? 0.5 : 0;
        var posts = f && w.index[k];
        if (Array.isArray(posts)) posts.forEach(function (p) {
          if (Array.isArray(p) && w.items[p[0]]) score[p[0]] = (score[p[0]] || 0) + f * int(p[1], 0, 99, 0);
        });
      });
    });
    var hits = Object.keys(score).map(Number).sort(function (a, b) { return score[b] - score[a] || a - b; });
    return (hits.length ? hits : w.dflt).slice(0, w.count).map(function (i) { return w.items[i]; });
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  function card(p, w) {
    var li = el("li"), a = li.appendChild(el("a"));
    a.href = p.click; a.rel = "sponsored nofollow noopener"; a.target = "_blank";
    if (p.img) {
      var img = a.appendChild(el("img")); img.width = 220; img.height = 220; img.alt = ""; img.loading = "lazy";
      img.onerror = function () { img.onerror = null; img.src = PLACEHOLDER; };
      img.src = p.img;
    }
    a.appendChild(el("span", "n", p.name));
    if (p.store) a.appendChild(el("span", "s", p.store));
    var price = a.appendChild(el("span", "p" + (p.off ? " off" : ""), p.price));
    if (p.was) price.appendChild(el("del", "", p.was));
    if (w.button) a.appendChild(el("span", "btn", w.button));
    return li;
  }

  function render(host, w) {
    var root = host.shadowRoot || host.attachShadow({ mode: "open" });
    root.textContent = "";
    if (root.adoptedStyleSheets !== undefined && window.CSSStyleSheet) {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    }
    var box = root.appendChild(el("div", "w"));
    box.setAttribute("part", "widget");
    box.style.setProperty("--c", w.columns);
    if (w.colors.accent) box.style.setProperty("--a", w.colors.accent);
    if (w.colors.text) host.style.setProperty("--t", w.colors.text);
    if (w.colors.background) host.style.setProperty("--b", w.colors.background);
    if (w.title) box.appendChild(el("h2", "", w.title));
    var ul = box.appendChild(el("ul", w.layout));
    rank(w).forEach(function (p) { if (p.click) ul.appendChild(card(p, w)); });
    host.setAttribute("data-shelfpress-rendered", "");
    // widget-frame.js: no ResizeObserver fires in an off-screen frame.
    host.dispatchEvent(new CustomEvent("shelfpress:rendered", { bubbles: true, composed: true }));
  }

  function hosts() {
    var found = document.querySelectorAll('[data-shelfpress-widget="' + name + '"]:not([data-shelfpress-rendered])');
    if (found.length) return Array.prototype.slice.call(found);
    var div = el("div");
    div.setAttribute("data-shelfpress-widget", name);
    me.parentNode.insertBefore(div, me);
    return [div];
  }

  var targets = hosts();
  fetch(me.src.replace(/\.js(?:[?#].*)?$/, ".json"), { credentials: "omit" })
    .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
    .then(function (d) {
      var w = valid(d);
      if (w) targets.forEach(function (h) { render(h, w); });
    })
    .catch(function () { /* no widget is better than a broken host page */ });
})();
