/* Socialco's one WebSocket per tab, shared by every live feature (protocol: docs/realtime.md).
 *
 * Features listen with   Socialco.socket.on("message.new", handler)
 * and send with          Socialco.socket.send({type: "typing", conversation: 3})
 * The socket reconnects by itself with backoff and shows "Reconnecting..." meanwhile;
 * frames sent while it is down are queued and go out, in order, once it is back.
 */
(function () {
  "use strict";

  const listeners = new Map();
  const queue = [];
  let ws = null;
  let attempt = 0;
  let heartbeat = null;
  let closedForGood = false;

  function statusBar() {
    return document.getElementById("live-status");
  }

  function setStatus(state) {
    document.querySelectorAll("[data-live-indicator]").forEach(function (dot) {
      dot.classList.toggle("is-live", state === "open");
    });
    const bar = statusBar();
    const labels = bar ? bar.dataset : {};
    document.querySelectorAll("[data-live-label]").forEach(function (label) {
      label.textContent = state === "open" ? labels.labelLive : labels.labelConnecting;
    });
    if (!bar) return;
    if (state === "reconnecting") {
      bar.textContent = labels.labelReconnecting;
      bar.hidden = false;
    } else {
      bar.hidden = true;
    }
    document.dispatchEvent(new CustomEvent("socialco:socket", { detail: { state: state } }));
  }

  function emit(type, frame) {
    (listeners.get(type) || []).forEach(function (fn) {
      try {
        fn(frame);
      } catch (err) {
        console.warn("socialco: listener for " + type + " failed", err);
      }
    });
    (listeners.get("*") || []).forEach(function (fn) { fn(frame); });
  }

  function url() {
    const path = document.body.dataset.socketUrl;
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + window.location.host + path;
  }

  function connect() {
    if (closedForGood) return;
    ws = new WebSocket(url());
    ws.addEventListener("open", function () {
      attempt = 0;
      setStatus("open");
      emit("socket.open", { type: "socket.open" });
      while (queue.length && ws.readyState === WebSocket.OPEN) {
        ws.send(queue.shift());
      }
      clearInterval(heartbeat);
      heartbeat = setInterval(function () { send({ type: "ping" }); }, 25000);
    });
    ws.addEventListener("message", function (event) {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch (err) {
        return;
      }
      if (!frame || typeof frame.type !== "string") return;
      // Any frame may carry a nav badge's new count (chat: in `message.new`, one frame per message).
      if (frame.nav_badge && typeof frame.nav_badge === "object") setNavBadge(frame.nav_badge);
      emit(frame.type, frame);
    });
    ws.addEventListener("close", function (event) {
      clearInterval(heartbeat);
      clearNavBadges();
      // 4401: not logged in; 4001: this session logged out. Do not hammer the server.
      if (event.code === 4401 || event.code === 4001) {
        closedForGood = true;
        setStatus("closed");
        return;
      }
      setStatus("reconnecting");
      attempt += 1;
      const delay = Math.min(30000, 500 * Math.pow(2, attempt)) * (0.75 + Math.random() * 0.5);
      setTimeout(connect, delay);
    });
  }

  /* Nav badges: a feature sends {type: "nav.badge", url: "/chat/", count: 3} (or puts
   * nav_badge: {url, count} in another frame) and the count shows on the nav entry linking to
   * that URL. While the socket is down badges are cleared;
   * the server sends every non-zero count again when the socket is back. */
  function setNavBadge(frame) {
    if (typeof frame.url !== "string") return;
    const count = Math.max(0, Math.floor(Number(frame.count) || 0));
    document.querySelectorAll(".mainnav a").forEach(function (link) {
      if (link.getAttribute("href") !== frame.url) return;
      let badge = link.querySelector(".nav-badge");
      if (!badge) {
        badge = document.createElement("span");
        badge.className = "nav-badge";
        link.appendChild(badge);
      }
      badge.textContent = count > 99 ? "99+" : String(count);
      badge.hidden = count === 0;
    });
  }

  function clearNavBadges() {
    document.querySelectorAll(".mainnav .nav-badge").forEach(function (badge) { badge.hidden = true; });
  }

  function send(frame) {
    const data = JSON.stringify(frame);
    if (ws && ws.readyState === WebSocket.OPEN) {
      ws.send(data);
    } else {
      queue.push(data);
    }
  }

  function on(type, fn) {
    if (!listeners.has(type)) listeners.set(type, []);
    listeners.get(type).push(fn);
  }

  on("nav.badge", setNavBadge);

  window.Socialco = window.Socialco || {};
  window.Socialco.socket = {
    on: on,
    send: send,
    isOpen: function () { return !!ws && ws.readyState === WebSocket.OPEN; },
    /* For tests and diagnostics: drop the connection as a network failure would. */
    dropForTesting: function () { if (ws) ws.close(4999, "test"); },
  };

  document.addEventListener("DOMContentLoaded", function () {
    if (document.body.dataset.socketUrl) connect();
    // Close open menus with Escape, for keyboard users.
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      document.querySelectorAll("details.usermenu[open]").forEach(function (d) { d.removeAttribute("open"); });
    });
  });
})();
