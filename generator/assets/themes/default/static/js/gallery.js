/* Widget gallery: copy an embed code to the clipboard. Without a clipboard (an insecure context) the button
   is made invisible, not removed, so the page does not shift. */
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (button) {
    var label = button.textContent;
    if (!navigator.clipboard) button.classList.add("no-clipboard");
    button.addEventListener("click", function () {
      var code = document.getElementById(button.getAttribute("data-copy"));
      navigator.clipboard.writeText(code.textContent).then(function () {
        button.textContent = button.getAttribute("data-copied");
        setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  });
})();
