/* People pages: pick a suggested skill or topic into the comma-separated input.
 * The suggestions arrive by htmx (profiles:skill_autocomplete); this only fills the value. */
(function () {
  "use strict";

  function fill(input, value) {
    const parts = input.value.split(",");
    parts[parts.length - 1] = " " + value;
    input.value = parts.map(function (p) { return p.trim(); }).filter(Boolean).join(", ") + ", ";
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-skill-suggestion]");
    if (!button) return;
    const input = document.querySelector('[data-skill-input="' + button.dataset.skillSuggestion + '"]');
    if (!input) return;
    event.preventDefault();
    fill(input, button.dataset.value);
    const box = button.parentElement;
    if (box) box.replaceChildren();
  });

  // Escape closes the suggestions of the focused input.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    const input = event.target.closest && event.target.closest("[data-skill-input]");
    if (!input) return;
    const box = document.getElementById(input.dataset.skillInput + "-suggestions");
    if (box) box.replaceChildren();
  });
})();
