/* Moderation in the browser (loaded on every page; no inline script, CSP-safe).
 *
 * 1. Live screening: any <textarea data-screen-scope="posts"> (or comments, answers, chat,
 *    profiles, groups) is checked against the usage-guideline rules as the person types
 *    (debounced); the explanation appears under it before they submit. Optional:
 *    data-screen-target="some-id" names the element that shows the result.
 * 2. The write gate: when a write is refused over htmx (guidelines not accepted, suspended),
 *    the server sends an HX-Trigger "moderation:blocked"; the reason is shown in the banner
 *    slot at the top of the page and nothing typed is lost.
 */
(function () {
  "use strict";

  const DELAY_MS = 500;
  const script = document.currentScript;
  const config = script ? script.dataset : {};

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (err) {
      return "";
    }
  }

  function hint() {
    const p = document.createElement("p");
    p.className = "screen-hint muted small";
    const a = document.createElement("a");
    a.href = config.guidelinesUrl || "/guidelines/";
    a.target = "_blank";
    a.rel = "noopener";
    a.textContent = config.guidelinesLabel || "Usage guidelines";
    p.appendChild(a);
    return p;
  }

  function slotFor(textarea) {
    const targetId = textarea.dataset.screenTarget;
    let slot = targetId ? document.getElementById(targetId) : null;
    // The form's own slot (moderation/includes/screening.html) already carries the link.
    if (!slot && textarea.form) slot = textarea.form.querySelector("[data-screen-slot]");
    if (!slot) {
      slot = document.createElement("div");
      slot.className = "screen-slot";
      textarea.insertAdjacentElement("afterend", slot);
    }
    slot.setAttribute("aria-live", "polite");
    if (!slot.hasChildNodes()) slot.appendChild(hint());
    return slot;
  }

  function attach(textarea) {
    if (textarea.dataset.screenAttached) return;
    textarea.dataset.screenAttached = "1";
    const slot = slotFor(textarea);
    let timer = null;
    let controller = null;
    let lastSent = null;

    function check() {
      const text = textarea.value;
      if (text === lastSent) return;
      lastSent = text;
      if (controller) controller.abort();
      controller = new AbortController();
      const body = new FormData();
      body.append("scope", textarea.dataset.screenScope);
      body.append("text", text);
      fetch(config.screenUrl, {
        method: "POST",
        body: body,
        headers: { "X-CSRFToken": csrfToken() },
        credentials: "same-origin",
        signal: controller.signal,
      })
        .then(function (response) {
          if (response.status !== 200) return null;
          return response.text();
        })
        .then(function (html) {
          if (html === null) return;
          // Server-rendered, autoescaped partial from our own origin.
          slot.innerHTML = html;
        })
        .catch(function () { /* offline or aborted: the server checks again on submit */ });
    }

    textarea.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(check, DELAY_MS);
    });
    if (textarea.value.trim()) check();
  }

  function scan(root) {
    (root || document).querySelectorAll("textarea[data-screen-scope]").forEach(attach);
  }

  function showBlocked(detail) {
    if (!detail || !detail.message) return;
    let slot = document.getElementById("moderation-banner");
    if (!slot) {
      slot = document.createElement("div");
      slot.id = "moderation-banner";
      const main = document.querySelector(".main-content") || document.body;
      main.insertBefore(slot, main.firstChild);
    }
    slot.className = "moderation-banner";
    slot.textContent = "";
    const box = document.createElement("div");
    box.className = "alert " + (detail.code === "suspended" ? "alert-error" : "alert-warning") + " banner-row";
    box.setAttribute("role", "alert");
    const text = document.createElement("p");
    text.textContent = detail.message;
    box.appendChild(text);
    if (detail.url) {
      const link = document.createElement("a");
      link.className = "btn btn-primary";
      link.href = detail.url;
      link.textContent = config.blockedLabel || "Details";
      box.appendChild(link);
    }
    slot.appendChild(box);
    slot.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("DOMContentLoaded", function () { scan(document); });
  document.addEventListener("htmx:load", function (event) { scan(event.target); });
  document.addEventListener("moderation:blocked", function (event) { showBlocked(event.detail); });
})();
