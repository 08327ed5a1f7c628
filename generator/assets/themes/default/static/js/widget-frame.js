/* Inside the /widgets/<name>/ iframe page: tell the host page (js/widget-host.js) our height.
   A handshake, so the order in which host script and frame load does not matter:
   - the frame announces its height as soon as this script runs and at window load;
   - the host asks ({shelfpress: "size?"}) when its script runs and on every load of the
     frame, and the frame answers;
   - the widget script's "shelfpress:rendered" event reports the drawn cards at once, and a
     ResizeObserver every later change (images, new width).
   Sends only a number. Once a host has asked, the page hides its own scrollbars (the
   host sizes the frame); without a host it keeps them, so nothing is cut off. */
(function () {
  "use strict";
  if (window.parent === window) return;
  var root = document.documentElement, last = -1;
  function tell(force) {
    var h = Math.ceil(root.getBoundingClientRect().height);
    if (h === last && !force) return;
    last = h;
    window.parent.postMessage({ shelfpress: "height", height: h }, "*");
  }
  window.addEventListener("message", function (e) {
    if (e.source !== window.parent || !e.data || e.data.shelfpress !== "size?") return;
    root.classList.add("shelfpress-hosted");
    tell(true);
  });
  // Chromium skips rendering, and with it ResizeObserver callbacks and animation frames, in a cross-origin
  // frame below the fold: the widget script says when it has drawn, and the height is measured right then
  // (getBoundingClientRect lays out on demand), so it reaches the host before the reader scrolls.
  document.addEventListener("shelfpress:rendered", function () { tell(false); });
  if (window.ResizeObserver) new ResizeObserver(function () { tell(false); }).observe(root);
  window.addEventListener("load", function () { tell(true); });
  tell(true);
})();
