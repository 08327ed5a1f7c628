/* Optional host snippet for iframe widgets: <script src="https://SITE/js/widget-host.js" async></script>
   Sizes every <iframe data-shelfpress-frame> to the height its page reports,
   accepting messages only from that iframe's own window and from the origin
   of its src. Iframes marked data-shelfpress-context also get this page's
   ?q= (or first <h1>) as their ?q=, for context widgets. */
(function () {
  "use strict";
  var frames = document.querySelectorAll("iframe[data-shelfpress-frame]");
  var q = new URLSearchParams(location.search).get("q") || ((document.querySelector("h1") || {}).textContent || "");
  Array.prototype.forEach.call(frames, function (f) {
    if (f.hasAttribute("data-shelfpress-context") && q.trim()) {
      var u = new URL(f.src, location.href);
      u.searchParams.set("q", q.trim().slice(0, 200));
      f.src = u.href;
    }
  });
  window.addEventListener("message", function (e) {
    var d = e.data;
    if (!d || d.shelfpress !== "height" || typeof d.height !== "number" || !(d.height >= 0)) return;
    Array.prototype.forEach.call(frames, function (f) {
      if (f.contentWindow === e.source && new URL(f.src, location.href).origin === e.origin) {
        f.style.height = Math.min(d.height, 10000) + "px";
      }
    });
  });
})();
