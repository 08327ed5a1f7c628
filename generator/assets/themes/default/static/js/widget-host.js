/* Optional host snippet for iframe widgets: <script src="https://SITE/js/widget-host.js" async></script>
   Sizes every <iframe data-shelfpress-frame> to the height its page reports, accepting
   messages only from that iframe's own window and from the origin of its src. Iframes
   marked data-shelfpress-context also get this page's ?q= (or first <h1>) as their ?q=,
   for context widgets.
   Whichever loads first works: the frame announces its height when it loads and on every
   change (js/widget-frame.js), and this script also asks each frame ({shelfpress: "size?"})
   when it runs and after every load of the frame, so an announcement made before this
   script listened is answered again. Included twice on one page, it runs once. */
(function () {
  "use strict";
  var SELECTOR = "iframe[data-shelfpress-frame]";
  if (window.shelfpressWidgetHost) { window.shelfpressWidgetHost.scan(); return; }
  var prepared = typeof WeakSet === "function" ? new WeakSet() : null;
  var q = new URLSearchParams(location.search).get("q") || ((document.querySelector("h1") || {}).textContent || "");
  q = q.trim().slice(0, 200);

  function origin(f) {
    try { return new URL(f.src, location.href).origin; } catch (err) { return ""; }
  }
  function ask(f) {
    var o = origin(f);
    if (f.contentWindow && o && o !== "null") f.contentWindow.postMessage({ shelfpress: "size?" }, o);
  }
  function prepare(f) {
    if (!prepared || prepared.has(f)) return;
    prepared.add(f);
    if (f.hasAttribute("data-shelfpress-context") && q) {
      var u = new URL(f.src, location.href);
      if (u.searchParams.get("q") !== q) { u.searchParams.set("q", q); f.src = u.href; }
    }
    f.addEventListener("load", function () { ask(f); });
    ask(f);
  }
  function scan() { Array.prototype.forEach.call(document.querySelectorAll(SELECTOR), prepare); }

  window.addEventListener("message", function (e) {
    var d = e.data;
    if (!d || d.shelfpress !== "height" || typeof d.height !== "number" || !(d.height >= 0)) return;
    Array.prototype.forEach.call(document.querySelectorAll(SELECTOR), function (f) {
      if (f.contentWindow === e.source && origin(f) === e.origin) {
        prepare(f);
        f.style.height = Math.min(Math.ceil(d.height), 10000) + "px";
      }
    });
  });
  window.shelfpressWidgetHost = { scan: scan };
  scan();
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
})();
