/* Inside the /widgets/<name>/ iframe page: tell the host page our height
   (for js/widget-host.js) whenever it changes. Sends only a number. */
(function () {
  "use strict";
  if (window.parent === window || !window.ResizeObserver) return;
  var last = 0;
  new ResizeObserver(function () {
    var h = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (h !== last) { last = h; window.parent.postMessage({ shelfpress: "height", height: h }, "*"); }
  }).observe(document.documentElement);
})();
