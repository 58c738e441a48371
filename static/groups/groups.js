/* Groups: live subscription for a group page, and showing refused htmx actions.
 *
 * - A page with [data-group-feed][data-group-id] subscribes to the group's live channel
 *   (group.subscribe, docs/realtime.md) on every (re)connect, and again when the server says
 *   the group's access changed. Live frames are re-dispatched on the slot element as
 *   "socialco:group-event" DOM events for the feed to render.
 * - A refused htmx action answers 4xx with HX-Retarget pointing at #group-feedback, and a
 *   form with errors answers 400 with itself re-rendered: swap both in so the person reads
 *   why, instead of nothing happening.
 */
(function () {
  "use strict";

  document.addEventListener("htmx:beforeSwap", function (event) {
    const xhr = event.detail.xhr;
    const refused = xhr.status >= 400 && xhr.status < 500 && xhr.getResponseHeader("HX-Retarget");
    if (refused || xhr.status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    const slot = document.querySelector("[data-group-feed][data-group-id]");
    const socket = window.Socialco && window.Socialco.socket;
    if (!slot || !socket) return;
    const groupId = Number(slot.dataset.groupId);

    function subscribe() {
      socket.send({ type: "group.subscribe", group: groupId });
    }

    socket.on("socket.open", subscribe);
    socket.on("group.unsubscribed", function (frame) {
      if (frame.group === groupId && frame.reason === "access_changed") subscribe();
    });
    socket.on("*", function (frame) {
      if (frame.group === groupId && frame.type.indexOf("group.") !== 0) {
        slot.dispatchEvent(new CustomEvent("socialco:group-event", { detail: frame }));
      }
    });
    if (socket.isOpen()) subscribe();
  });
})();
