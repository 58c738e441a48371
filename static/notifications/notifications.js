/* The notification bell: its unread count follows the server live.
 *
 * The server pushes {"type": "notification.count", "unread": n} over the shared socket
 * (docs/realtime.md) whenever the person's notifications change, in any tab. htmx actions on
 * the list page also answer with an HX-Trigger "notifications:count" so this tab updates at once.
 */
(function () {
  "use strict";

  let lastCount = null;

  function render(count) {
    const unread = Math.max(0, parseInt(count, 10) || 0);
    document.querySelectorAll("[data-notification-count]").forEach(function (badge) {
      badge.textContent = unread > 99 ? "99+" : String(unread);
      badge.hidden = unread === 0;
    });
    document.querySelectorAll("[data-notification-bell]").forEach(function (bell) {
      const label = unread === 0
        ? bell.dataset.labelNone
        : (bell.dataset.labelSome || "").replace("%(count)s", String(unread));
      if (label) bell.setAttribute("aria-label", label);
    });
    // On the list page, offer to show what just arrived.
    if (lastCount !== null && unread > lastCount) {
      document.querySelectorAll("[data-notifications-new]").forEach(function (note) { note.hidden = false; });
    }
    lastCount = unread;
  }

  document.addEventListener("DOMContentLoaded", function () {
    const badge = document.querySelector("[data-notification-count]");
    if (badge) lastCount = badge.hidden ? 0 : parseInt(badge.textContent, 10) || 0;
    if (window.Socialco && window.Socialco.socket) {
      window.Socialco.socket.on("notification.count", function (frame) { render(frame.unread); });
    }
    document.body.addEventListener("notifications:count", function (event) {
      if (event.detail && typeof event.detail.unread === "number") render(event.detail.unread);
    });
  });
})();
