/* brm-advisor workshop: small helpers over htmx (no inline script: the CSP forbids it).
   When the ?? panel or the what-if result is loaded, the keyboard focus moves to it, so that
   a screen reader or a keyboard user lands on what was asked for. */
(function () {
  "use strict";
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || !target.id) { return; }
    if (target.id === "why" || target.id === "whatif") {
      var panel = document.getElementById(target.id);
      if (panel) {
        if (!panel.hasAttribute("tabindex")) { panel.setAttribute("tabindex", "-1"); }
        panel.focus();
      }
    }
  });
}());
