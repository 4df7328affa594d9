/* brm-advisor workshop: small helpers over htmx (no inline script: the CSP forbids it).
   When the ?? panel or the what-if result is loaded because the user asked (a ?? link, the
   what-if form), the keyboard focus moves to it, so that a screen reader or a keyboard user
   lands on what was asked for. When they load themselves again after an answer is saved,
   the focus stays where it is (in the form). */
(function () {
  "use strict";
  document.addEventListener("htmx:afterSwap", function (event) {
    var detail = event.detail || {};
    var target = detail.target;
    if (!target || (target.id !== "why" && target.id !== "whatif")) { return; }
    var asking = (detail.requestConfig && detail.requestConfig.elt) || detail.elt;
    if (!asking || asking.id === target.id) { return; }
    var panel = document.getElementById(target.id);
    if (panel) {
      if (!panel.hasAttribute("tabindex")) { panel.setAttribute("tabindex", "-1"); }
      panel.focus();
    }
  });
}());
