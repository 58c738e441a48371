/* Socialco chat at /chat/: conversation list, message pane, composer. Protocol: docs/realtime.md.
 *
 * Exactly once, as the person sees it:
 * - every message gets a client_id before it is sent and waits in an outbox (kept in
 *   sessionStorage, so a reload does not lose it) until the server acks it; whenever the socket
 *   opens again the outbox is sent again with the same client_ids, and the server answers a
 *   resend with the original ack instead of storing a second message;
 * - when the socket opens, the pane asks `sync` for every message after the last one it shows;
 * - every message is drawn once, keyed by its id (a pending one by its client_id).
 * Older messages come from the history API (cursor-paginated) as the pane is scrolled up.
 *
 * Moderation: a message the usage-guideline rules refuse comes back as an `error` frame with
 * `screening`; its text goes back into the composer with the explanations (and "Send anyway"
 * for a warning). A held or hidden message is shown to its sender (and moderators) with a note;
 * everyone else's pane drops it on `message.removed` and shows it again on `message.restored`.
 */
(function () {
  "use strict";

  const root = document.querySelector("[data-chat]");
  if (!root || !window.Socialco || !window.Socialco.socket) return;

  const socket = window.Socialco.socket;
  const T = root.dataset; // translated strings: data-t-*
  const me = Number(root.dataset.userId);
  const editWindowMs = Number(root.dataset.editWindow) * 1000;
  const maxBody = Number(root.dataset.maxBody) || 4000;
  const apiBase = root.dataset.api;
  const chatBase = root.dataset.chatUrl;
  const listUrl = root.dataset.listUrl;
  const reportBase = root.dataset.reportUrl || ""; // ".../messaging.message/0/"
  const SCREENING_CODES = ["content_blocked", "confirmation_required"];
  const screeningStash = new Map(); // conversation id -> refused first message (draft pane race)
  const list = root.querySelector("[data-chat-list]");
  const paneHost = root.querySelector("[data-chat-pane]");
  const messageTemplate = document.querySelector("[data-message-template]");
  const editTemplate = document.querySelector("[data-edit-template]");
  const OUTBOX_KEY = "socialco.chat.outbox." + me;
  const FOLLOW_UP_MS = 5 * 60 * 1000;
  const TYPING_EVERY_MS = 3000;
  const TYPING_SHOWN_MS = 4500;

  const timeOnly = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  const dateAndTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

  let pane = null; // the open conversation (see setupPane)
  let socketOpenedBefore = false;
  let lastActivitySent = 0;

  // HTTP ------------------------------------------------------------------------------------
  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (err) {
      return "";
    }
  }

  function api(method, url, body) {
    const options = { method: method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRFToken"] = csrfToken();
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      return response.text().then(function (text) {
        let data = null;
        try {
          data = text ? JSON.parse(text) : null;
        } catch (err) {
          data = null;
        }
        if (!response.ok) {
          const error = new Error("HTTP " + response.status);
          error.status = response.status;
          error.data = data;
          throw error;
        }
        return data;
      });
    });
  }

  function fetchHtml(url) {
    return fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.text();
    });
  }

  function errorText(error) {
    const data = error && error.data;
    if (!data) return "";
    if (typeof data.detail === "string") return data.detail;
    const first = Object.values(data)[0];
    return Array.isArray(first) ? String(first[0]) : String(first || "");
  }

  function newClientId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  // Outbox: messages not yet acknowledged by the server ------------------------------------
  let outbox = [];
  try {
    outbox = JSON.parse(window.sessionStorage.getItem(OUTBOX_KEY) || "[]");
  } catch (err) {
    outbox = [];
  }

  function saveOutbox() {
    try {
      window.sessionStorage.setItem(OUTBOX_KEY, JSON.stringify(outbox));
    } catch (err) {
      /* private mode: the outbox still lives for this page */
    }
  }

  function outboxRemove(clientId) {
    const before = outbox.length;
    outbox = outbox.filter(function (entry) { return entry.client_id !== clientId; });
    if (outbox.length !== before) saveOutbox();
  }

  function transmit(entry) {
    // While the socket is down nothing is queued: the whole outbox goes out when it opens.
    if (!socket.isOpen()) return;
    const frame = {
      type: "message.send",
      conversation: entry.conversation,
      body: entry.body,
      client_id: entry.client_id,
      ref: entry.client_id,
    };
    if (entry.confirm) frame.confirm_warnings = true;
    socket.send(frame);
  }

  // Conversation list ------------------------------------------------------------------------
  function listEntry(conversationId) {
    return list.querySelector('[data-conversation="' + Number(conversationId) + '"]');
  }

  function markActiveInList(conversationId) {
    list.querySelectorAll(".chat-item-link").forEach(function (link) {
      const active = Number(link.closest("[data-conversation]").dataset.conversation) === conversationId;
      if (active) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    });
  }

  function setUnread(conversationId, count) {
    const entry = listEntry(conversationId);
    if (!entry) return;
    const badge = entry.querySelector("[data-unread]");
    badge.querySelector("[data-unread-count]").textContent = count > 99 ? "99+" : String(count);
    badge.dataset.count = String(count);
    badge.hidden = count <= 0;
  }

  function unreadOf(conversationId) {
    const entry = listEntry(conversationId);
    return entry ? Number(entry.querySelector("[data-unread]").dataset.count) || 0 : 0;
  }

  function previewText(message, kind) {
    if (message.deleted) return T.tDeleted;
    let prefix = "";
    if (message.sender.id === me) prefix = T.tYou + " ";
    else if (kind !== "direct") prefix = message.sender.name.split(" ")[0] + ": ";
    // The rendered (sanitised) HTML's text, so the preview shows "People", not "*People*".
    const rendered = new DOMParser().parseFromString(message.body_html || "", "text/html");
    const text = (rendered.body.textContent || "").replace(/\s+/g, " ").trim();
    return prefix + (text.length > 90 ? text.slice(0, 89) + "…" : text);
  }

  function showInList(message, countAsUnread) {
    const entry = listEntry(message.conversation);
    if (!entry) {
      refreshList();
      return;
    }
    entry.querySelector("[data-preview]").textContent = previewText(message, entry.dataset.kind);
    if (list.firstElementChild !== entry) list.prepend(entry);
    if (countAsUnread && message.sender.id !== me) setUnread(message.conversation, unreadOf(message.conversation) + 1);
  }

  function refreshList() {
    return fetchHtml(listUrl)
      .then(function (html) {
        list.innerHTML = html;
        if (pane) markActiveInList(pane.id);
      })
      .catch(function () { /* the next event or reconnect tries again */ });
  }

  // Presence -------------------------------------------------------------------------------
  function presenceLabel(state) {
    return T["tPresence" + state.charAt(0).toUpperCase() + state.slice(1)] || state;
  }

  function showPresence(userId, state) {
    root.querySelectorAll('[data-presence-for="' + Number(userId) + '"]').forEach(function (dot) {
      dot.dataset.presence = state;
      dot.title = presenceLabel(state);
    });
    root.querySelectorAll('[data-presence-label-for="' + Number(userId) + '"]').forEach(function (label) {
      label.textContent = presenceLabel(state);
    });
  }

  function noteActivity() {
    const now = Date.now();
    if (now - lastActivitySent < 60000 || !socket.isOpen()) return;
    lastActivitySent = now;
    socket.send({ type: "presence", state: "online" });
  }

  // Messages -------------------------------------------------------------------------------
  function atBottom() {
    return !pane || pane.scroll.scrollHeight - pane.scroll.scrollTop - pane.scroll.clientHeight < 48;
  }

  function scrollToBottom() {
    if (pane) pane.scroll.scrollTop = pane.scroll.scrollHeight;
  }

  function canEdit(message) {
    return message.sender.id === me && !message.deleted && Date.now() - Date.parse(message.created_at) < editWindowMs;
  }

  function formatTime(element, iso) {
    const when = new Date(iso);
    const today = new Date();
    element.dateTime = iso;
    element.title = dateAndTime.format(when);
    element.textContent = when.toDateString() === today.toDateString() ? timeOnly.format(when) : dateAndTime.format(when);
  }

  function newBubble() {
    return messageTemplate.content.firstElementChild.cloneNode(true);
  }

  function reportUrl(messageId) {
    return reportBase.replace(/0\/$/, String(Number(messageId)) + "/");
  }

  function fill(li, message) {
    li.id = "message-" + message.id;
    li.dataset.id = String(message.id);
    li.dataset.clientId = message.client_id;
    li.dataset.sender = String(message.sender.id);
    li.dataset.created = message.created_at;
    li.classList.remove("is-pending", "is-failed");
    li.classList.toggle("msg-mine", message.sender.id === me);
    li.classList.toggle("is-deleted", message.deleted);
    li.querySelector(".msg-sender").textContent = message.sender.name;
    formatTime(li.querySelector(".msg-time"), message.created_at);
    li.querySelector(".msg-edited").textContent = message.edited_at && !message.deleted ? "(" + T.tEdited + ")" : "";
    const body = li.querySelector(".msg-body");
    if (message.deleted) body.textContent = T.tDeleted;
    else body.innerHTML = message.body_html; // sanitised on the server (nh3 allowlist)
    li.querySelector(".msg-status").textContent = "";
    li.querySelector('[data-action="edit"]').hidden = !canEdit(message);
    li.querySelector('[data-action="delete"]').hidden = message.sender.id !== me || message.deleted;
    li.querySelector('[data-action="retry"]').hidden = true;
    const state = message.moderation_state || "visible";
    li.classList.toggle("is-held", state === "held");
    li.classList.toggle("is-hidden", state === "hidden");
    const note = li.querySelector("[data-moderation]");
    note.textContent = state === "held" ? T.tHeld : state === "hidden" ? T.tHidden : "";
    note.hidden = state === "visible";
    const report = li.querySelector("[data-report]");
    report.hidden = !reportBase || message.sender.id === me || message.deleted;
    report.href = report.hidden ? "#" : reportUrl(message.id);
    pane.data.set(message.id, message);
  }

  function pendingBubble(entry) {
    const li = newBubble();
    li.classList.add("msg-mine", "is-pending");
    li.dataset.clientId = entry.client_id;
    li.dataset.sender = String(me);
    li.dataset.created = new Date(entry.at).toISOString();
    li.querySelector(".msg-sender").textContent = "";
    formatTime(li.querySelector(".msg-time"), li.dataset.created);
    li.querySelector(".msg-body").textContent = entry.body;
    li.querySelector(".msg-status").textContent = T.tSending;
    li.querySelectorAll("[data-action], [data-report]").forEach(function (button) { button.hidden = true; });
    return li;
  }

  function findPending(clientId) {
    return Array.from(pane.list.querySelectorAll("li.is-pending, li.is-failed")).find(function (li) {
      return li.dataset.clientId === clientId;
    });
  }

  /* Draw a confirmed message once: update it if shown, turn its pending bubble into it, or
   * insert it in id order (before any pending ones). */
  function place(message) {
    let li = pane.byId.get(message.id);
    if (!li && message.sender.id === me) li = findPending(message.client_id);
    if (!li) {
      li = newBubble();
      let before = null;
      const bubbles = pane.list.children;
      for (let i = bubbles.length - 1; i >= 0; i -= 1) {
        const other = bubbles[i];
        if (other.dataset.id && Number(other.dataset.id) < message.id) break;
        before = other;
      }
      pane.list.insertBefore(li, before);
    }
    fill(li, message);
    pane.byId.set(message.id, li);
    pane.lastId = Math.max(pane.lastId, message.id);
    if (message.sender.id === me) {
      const twin = findPending(message.client_id); // e.g. shown from the outbox after a reload
      if (twin && twin !== li) twin.remove();
    }
    return li;
  }

  function regroup() {
    let previous = null;
    Array.from(pane.list.children).forEach(function (li) {
      const followUp =
        previous !== null &&
        previous.dataset.sender === li.dataset.sender &&
        !li.classList.contains("is-deleted") &&
        Date.parse(li.dataset.created) - Date.parse(previous.dataset.created) < FOLLOW_UP_MS;
      li.classList.toggle("msg-follow-up", followUp);
      previous = li;
    });
  }

  function updateSeen() {
    pane.list.querySelectorAll(".msg-seen").forEach(function (mark) { mark.remove(); });
    if (pane.kind !== "direct" || pane.partnerRead === null) return;
    const mine = Array.from(pane.list.querySelectorAll("li.msg-mine[data-id]")).filter(function (li) {
      return Number(li.dataset.id) <= pane.partnerRead;
    });
    const last = mine[mine.length - 1];
    if (!last) return;
    const mark = document.createElement("p");
    mark.className = "msg-seen small";
    mark.textContent = T.tSeen;
    last.appendChild(mark);
  }

  function afterChange(stick) {
    regroup();
    updateSeen();
    if (stick) scrollToBottom();
    markRead();
  }

  function showPendingFromOutbox() {
    const stored = new Set();
    pane.data.forEach(function (message) {
      if (message.sender.id === me) stored.add(message.client_id);
    });
    outbox.slice().forEach(function (entry) {
      if (entry.conversation !== pane.id) return;
      if (stored.has(entry.client_id)) outboxRemove(entry.client_id); // stored; only its ack was lost
      else if (!findPending(entry.client_id)) pane.list.appendChild(pendingBubble(entry));
    });
  }

  let readTimer = null;
  function markRead() {
    if (!pane || document.hidden || !atBottom()) return;
    clearTimeout(readTimer);
    readTimer = setTimeout(function () {
      if (!pane || pane.lastId <= pane.readSent || !socket.isOpen()) return;
      pane.readSent = pane.lastId;
      socket.send({ type: "read", conversation: pane.id, up_to: pane.lastId });
    }, 250);
  }

  function syncPane() {
    if (pane && pane.loaded && socket.isOpen()) {
      const conversations = {};
      conversations[String(pane.id)] = pane.lastId;
      socket.send({ type: "sync", conversations: conversations });
    }
  }

  function historyUrl(conversationId) {
    return apiBase + conversationId + "/messages/";
  }

  function loadLatest() {
    const current = pane;
    current.loading = true;
    return api("GET", historyUrl(current.id))
      .then(function (page) {
        if (pane !== current) return;
        current.list.querySelectorAll("li[data-id]").forEach(function (li) { li.remove(); });
        current.byId.clear();
        current.data.clear();
        page.results.slice().reverse().forEach(place);
        showPendingFromOutbox();
        current.next = page.next;
        current.loaded = true;
        current.loading = false;
        showHistoryState();
        afterChange(true);
        syncPane(); // anything sent between the page query and the socket joining
      })
      .catch(function () {
        current.loading = false;
        current.status.textContent = T.tLoadFailed;
        current.status.hidden = false;
      });
  }

  function showHistoryState() {
    pane.olderButton.hidden = !pane.next;
    pane.status.hidden = !!pane.next;
    pane.status.textContent = T.tStart;
  }

  function loadOlder() {
    const current = pane;
    if (!current || !current.next || current.loading) return;
    current.loading = true;
    const fromBottom = current.scroll.scrollHeight - current.scroll.scrollTop;
    api("GET", current.next)
      .then(function (page) {
        if (pane !== current) return;
        page.results.forEach(place);
        current.next = page.next;
        current.loading = false;
        regroup();
        updateSeen();
        showHistoryState();
        current.scroll.scrollTop = current.scroll.scrollHeight - fromBottom; // keep the reader's place
      })
      .catch(function () {
        current.loading = false;
        current.status.textContent = T.tLoadFailed;
        current.status.hidden = false;
      });
  }

  // Typing -----------------------------------------------------------------------------------
  function renderTyping() {
    const names = Array.from(pane.typers.values()).map(function (typer) { return typer.name; });
    if (names.length === 0) pane.typing.textContent = "";
    else if (names.length === 1) pane.typing.textContent = T.tTypingOne.replace("%(name)s", names[0]);
    else pane.typing.textContent = T.tTypingMany;
  }

  function stopTyping(userId) {
    const typer = pane && pane.typers.get(userId);
    if (!typer) return;
    clearTimeout(typer.timer);
    pane.typers.delete(userId);
    renderTyping();
  }

  // Composer ---------------------------------------------------------------------------------
  function fitRows(input) {
    input.rows = Math.min(8, Math.max(1, input.value.split("\n").length));
  }

  function composerError(form, text) {
    const error = form.querySelector("[data-composer-error]");
    error.textContent = text || "";
    error.hidden = !text;
  }

  /* What the rules said about a refused text (an `error` frame with `screening`), built with
   * textContent only; for a warning, a button that sends the same text again, confirmed. */
  function screeningBox(frame, confirmLabel, onConfirm) {
    const box = document.createElement("div");
    const alert = document.createElement("div");
    alert.className = "alert " + (frame.code === "content_blocked" ? "alert-error" : "alert-warning");
    alert.setAttribute("role", "alert");
    const items = document.createElement("ul");
    items.className = "screen-list";
    const matches = (frame.screening && frame.screening.matches) || [];
    const action = frame.screening ? frame.screening.action : "";
    matches.filter(function (match) { return match.action === action; }).forEach(function (match) {
      const item = document.createElement("li");
      item.textContent = match.explanation + " ";
      if (match.section) {
        const link = document.createElement("a");
        link.href = match.section_url;
        link.target = "_blank";
        link.rel = "noopener";
        link.textContent = match.section_title || match.section;
        item.appendChild(link);
      }
      items.appendChild(item);
    });
    if (!items.children.length) {
      const item = document.createElement("li");
      item.textContent = frame.message;
      items.appendChild(item);
    }
    alert.appendChild(items);
    box.appendChild(alert);
    if (frame.code === "confirmation_required" && onConfirm) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-sm";
      button.textContent = confirmLabel;
      button.addEventListener("click", onConfirm);
      const note = document.createElement("span");
      note.className = "muted small";
      note.textContent = T.tFlagNote;
      box.append(button, note);
    }
    return box;
  }

  function clearScreening(form) {
    const slot = form && form.querySelector("[data-composer-screening]");
    if (!slot) return;
    slot.replaceChildren();
    slot.hidden = true;
    const live = form.querySelector(".chat-composer-screen");
    if (live) live.hidden = false;
  }

  /* A message the rules refused: its text back in the composer, the explanations under it. */
  function showRefused(entry, frame) {
    const form = pane && pane.id === entry.conversation && pane.el.querySelector("[data-composer]");
    if (!form) {
      screeningStash.set(entry.conversation, { entry: entry, frame: frame });
      return;
    }
    const input = form.querySelector("[data-composer-input]");
    if (!input.value.trim()) {
      input.value = entry.body;
      fitRows(input);
    }
    const slot = form.querySelector("[data-composer-screening]");
    slot.replaceChildren(
      screeningBox(frame, T.tSendAnyway, function () {
        clearScreening(form);
        if (input.value === entry.body) {
          input.value = "";
          fitRows(input);
        }
        sendInPane(entry.body, function () {}, null, true);
      })
    );
    slot.hidden = false;
    const live = form.querySelector(".chat-composer-screen"); // the same explanations, once is enough
    if (live) live.hidden = true;
    input.focus();
  }

  function bindComposer(form, onSend) {
    if (!form) return;
    const input = form.querySelector("[data-composer-input]");
    let lastTyping = 0;
    fitRows(input);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    input.addEventListener("input", function () {
      fitRows(input);
      composerError(form, "");
      clearScreening(form);
      const now = Date.now();
      if (pane && input.value.trim() && now - lastTyping > TYPING_EVERY_MS && socket.isOpen()) {
        lastTyping = now;
        socket.send({ type: "typing", conversation: pane.id });
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const body = input.value;
      if (!body.trim()) return;
      if (body.trim().length > maxBody) {
        composerError(form, T.tTooLong);
        return;
      }
      // The server-rendered "Send anyway" of a refused first message (no-JavaScript path).
      const confirm = Boolean(event.submitter && event.submitter.name === "moderation_confirmed");
      onSend(body, function () {
        input.value = "";
        fitRows(input);
        composerError(form, "");
        clearScreening(form);
        input.dispatchEvent(new Event("input")); // the live check forgets the sent text
      }, function (text) {
        composerError(form, text);
      }, confirm);
    });
  }

  function sendInPane(body, done, fail, confirm) {
    const entry = { client_id: newClientId(), conversation: pane.id, body: body, at: Date.now() };
    if (confirm === true) entry.confirm = true;
    outbox.push(entry);
    saveOutbox();
    pane.list.appendChild(pendingBubble(entry));
    afterChange(true);
    transmit(entry);
    done();
  }

  function bindDraft(draft) {
    const form = draft.querySelector("[data-draft-form]");
    bindComposer(form, function (body, done, fail, confirm) {
      api("POST", apiBase, { kind: "direct", user: Number(draft.dataset.user) })
        .then(function (conversation) {
          const entry = { client_id: newClientId(), conversation: conversation.id, body: body, at: Date.now() };
          if (confirm) entry.confirm = true;
          outbox.push(entry);
          saveOutbox();
          done();
          transmit(entry);
          openConversation(conversation.id, "replace").then(refreshList);
        })
        .catch(function (error) { fail(errorText(error) || error.message); });
    });
  }

  function bindAddMembers(form) {
    if (!form) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const users = Array.from(form.querySelectorAll('input[name="members"]:checked')).map(function (box) {
        return Number(box.value);
      });
      const error = form.querySelector("[data-add-error]");
      if (!users.length) return;
      api("POST", form.getAttribute("action"), { users: users })
        .then(function () {
          error.hidden = true;
          form.closest("details").open = false;
        })
        .catch(function (failure) {
          error.textContent = errorText(failure) || failure.message;
          error.hidden = false;
        });
    });
  }

  // Editing and deleting -----------------------------------------------------------------------
  function startEdit(li) {
    const message = pane.data.get(Number(li.dataset.id));
    if (!message || !canEdit(message)) return;
    const form = editTemplate.content.firstElementChild.cloneNode(true);
    const input = form.querySelector("textarea");
    input.value = message.body;
    fitRows(input);
    li.querySelector(".msg-body").replaceChildren(form);
    input.focus();
    function cancel() { fill(li, message); }
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") cancel();
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    input.addEventListener("input", function () { fitRows(input); });
    form.querySelector('[data-action="cancel-edit"]').addEventListener("click", cancel);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!input.value.trim()) return;
      socket.send({ type: "message.edit", id: message.id, body: input.value, ref: "edit:" + message.id });
    });
    pane.editing.set(message.id, function () {
      socket.send({
        type: "message.edit",
        id: message.id,
        body: input.value,
        confirm_warnings: true,
        ref: "edit:" + message.id,
      });
    });
  }

  function onMessageAction(event) {
    const button = event.target.closest("button[data-action]");
    if (!button || !pane) return;
    const li = button.closest("li");
    const action = button.dataset.action;
    if (action === "edit") startEdit(li);
    if (action === "delete" && window.confirm(T.tConfirmDelete)) {
      socket.send({ type: "message.delete", id: Number(li.dataset.id), ref: "delete:" + li.dataset.id });
    }
    if (action === "retry") {
      const input = pane.el.querySelector("[data-composer-input]");
      if (input) {
        input.value = li.querySelector(".msg-body").textContent;
        fitRows(input);
        input.focus();
      }
      li.remove();
    }
  }

  // The pane ---------------------------------------------------------------------------------
  function setupPane() {
    const el = paneHost.querySelector("[data-pane]");
    pane = null;
    const draft = paneHost.querySelector("[data-draft]");
    if (draft) bindDraft(draft);
    if (!el) {
      markActiveInList(null);
      return;
    }
    pane = {
      id: Number(el.dataset.conversation),
      kind: el.dataset.kind,
      el: el,
      list: el.querySelector("[data-messages]"),
      scroll: el.querySelector("[data-scroll]"),
      status: el.querySelector("[data-history-status]"),
      olderButton: el.querySelector("[data-load-older]"),
      typing: el.querySelector("[data-typing]"),
      partnerRead: el.dataset.partnerRead !== undefined ? Number(el.dataset.partnerRead) : null,
      byId: new Map(),
      data: new Map(),
      editing: new Map(), // message id -> resend the open edit confirmed ("Save anyway")
      typers: new Map(),
      lastId: 0,
      readSent: 0,
      next: null,
      loading: false,
      loaded: false,
    };
    markActiveInList(pane.id);
    bindComposer(el.querySelector("[data-composer]"), sendInPane);
    bindAddMembers(el.querySelector("[data-add-members]"));
    pane.scroll.addEventListener("scroll", function () {
      if (pane && pane.scroll.scrollTop < 150) loadOlder();
      markRead();
    });
    pane.olderButton.addEventListener("click", loadOlder);
    pane.list.addEventListener("click", onMessageAction);
    loadLatest();
    const refused = screeningStash.get(pane.id);
    if (refused) {
      screeningStash.delete(pane.id);
      const li = findPending(refused.entry.client_id);
      if (li) li.remove();
      showRefused(refused.entry, refused.frame);
    }
  }

  function showPane(html) {
    paneHost.innerHTML = html;
    if (window.htmx) window.htmx.process(paneHost);
    // New content, as htmx announces it: the live guideline check attaches to the composer.
    paneHost.dispatchEvent(new CustomEvent("htmx:load", { bubbles: true }));
    root.classList.add("has-pane");
    setupPane();
  }

  function openConversation(conversationId, history) {
    return fetchHtml(chatBase + conversationId + "/pane/")
      .then(function (html) {
        showPane(html);
        const url = chatBase + conversationId + "/";
        if (history === "push") window.history.pushState({ conversation: conversationId }, "", url);
        if (history === "replace") window.history.replaceState({ conversation: conversationId }, "", url);
        const input = paneHost.querySelector("[data-composer-input]");
        if (input) input.focus();
      })
      .catch(function () {
        window.location.assign(chatBase + conversationId + "/");
      });
  }

  function showRemoved() {
    const notice = document.createElement("div");
    notice.className = "chat-pane-inner chat-empty";
    const text = document.createElement("p");
    text.className = "alert alert-warning";
    text.textContent = T.tRemoved;
    notice.appendChild(text);
    paneHost.replaceChildren(notice);
    pane = null;
    markActiveInList(null);
  }

  // Socket events ------------------------------------------------------------------------------
  function refreshPartnerRead() {
    const current = pane;
    if (!current || current.partnerRead === null) return;
    api("GET", apiBase + current.id + "/").then(function (detail) {
      if (pane !== current || detail.partner_read_up_to === null) return;
      current.partnerRead = Math.max(current.partnerRead, detail.partner_read_up_to);
      updateSeen();
    });
  }

  socket.on("socket.open", function () {
    outbox.forEach(transmit); // same client_ids: the server answers resends with the original ack
    syncPane();
    if (socketOpenedBefore) {
      refreshList(); // unread counts and order after being away
      refreshPartnerRead(); // receipts sent while this socket was down
    }
    socketOpenedBefore = true;
  });

  socket.on("ack", function (frame) {
    if (!frame.client_id || !frame.message) return;
    outboxRemove(frame.client_id);
    if (pane && frame.message.conversation === pane.id) {
      const stick = atBottom();
      place(frame.message);
      afterChange(stick);
    }
  });

  socket.on("message.new", function (frame) {
    const message = frame.message;
    if (message.sender.id === me) outboxRemove(message.client_id);
    const inPane = pane && message.conversation === pane.id;
    let readingIt = false;
    if (inPane) {
      const stick = atBottom() || message.sender.id === me;
      place(message);
      stopTyping(message.sender.id);
      afterChange(stick);
      readingIt = stick && !document.hidden;
    }
    showInList(message, !readingIt);
  });

  function onChanged(frame) {
    const message = frame.message;
    if (pane && message.conversation === pane.id && pane.byId.has(message.id)) {
      place(message);
      regroup();
    }
  }
  socket.on("message.updated", onChanged);
  socket.on("message.deleted", onChanged);

  // Moderation hid a message (or held an edited one): it is gone for this person.
  socket.on("message.removed", function (frame) {
    if (pane && frame.conversation === pane.id && pane.byId.has(frame.message)) {
      pane.byId.get(frame.message).remove();
      pane.byId.delete(frame.message);
      pane.data.delete(frame.message);
      regroup();
      updateSeen();
    }
    refreshList(); // the preview and unread count without it
  });

  // Moderation restored or approved a message: shown in its place.
  socket.on("message.restored", function (frame) {
    const message = frame.message;
    if (pane && pane.loaded && message.conversation === pane.id) {
      const stick = atBottom();
      place(message);
      afterChange(stick);
    }
    refreshList();
  });

  socket.on("synced", function (frame) {
    if (!pane) return;
    const entry = frame.conversations[String(pane.id)];
    if (!entry) return;
    if (entry.has_more) {
      loadLatest();
      return;
    }
    const stick = atBottom();
    entry.messages.forEach(place);
    afterChange(stick);
  });

  socket.on("typing", function (frame) {
    if (!pane || frame.conversation !== pane.id || frame.user.id === me) return;
    stopTyping(frame.user.id);
    pane.typers.set(frame.user.id, {
      name: frame.user.name,
      timer: setTimeout(function () { stopTyping(frame.user.id); }, TYPING_SHOWN_MS),
    });
    renderTyping();
  });

  socket.on("read", function (frame) {
    if (frame.user === me) {
      setUnread(frame.conversation, frame.unread);
      return;
    }
    if (pane && pane.kind === "direct" && frame.conversation === pane.id) {
      pane.partnerRead = Math.max(pane.partnerRead || 0, frame.up_to);
      updateSeen();
    }
  });

  socket.on("presence", function (frame) { showPresence(frame.user, frame.state); });

  socket.on("conversation.new", function () { refreshList(); });

  socket.on("conversation.updated", function (frame) {
    refreshList();
    if (!pane || frame.conversation !== pane.id) return;
    const current = pane;
    fetchHtml(chatBase + current.id + "/pane/").then(function (html) {
      if (pane !== current) return;
      const fresh = new DOMParser().parseFromString(html, "text/html").querySelector(".chat-pane-head");
      const head = current.el.querySelector(".chat-pane-head");
      if (fresh && head && !head.querySelector("details[open]")) {
        head.replaceWith(fresh);
        if (window.htmx) window.htmx.process(fresh);
        bindAddMembers(fresh.querySelector("[data-add-members]"));
      }
    });
  });

  socket.on("conversation.removed", function (frame) {
    refreshList();
    if (pane && frame.conversation === pane.id) showRemoved();
  });

  socket.on("error", function (frame) {
    if (typeof frame.ref !== "string") return;
    const entry = outbox.find(function (item) { return item.client_id === frame.ref; });
    if (entry && SCREENING_CODES.indexOf(frame.code) !== -1) {
      outboxRemove(entry.client_id); // nothing stored: the text goes back to the composer
      const pending = pane && findPending(entry.client_id);
      if (pending) pending.remove();
      showRefused(entry, frame);
      return;
    }
    if (entry) {
      const li = pane && findPending(entry.client_id);
      if (frame.code === "rate_limited") {
        if (li) li.querySelector(".msg-status").textContent = T.tWaiting;
        setTimeout(function () { transmit(entry); }, 3000);
        return;
      }
      outboxRemove(entry.client_id); // refused for good (too long, not allowed...): keep the text
      if (li) {
        li.classList.remove("is-pending");
        li.classList.add("is-failed");
        li.querySelector(".msg-status").textContent = T.tFailed + " " + frame.message;
        li.querySelector('[data-action="retry"]').hidden = false;
      }
      return;
    }
    const match = /^(edit|delete):(\d+)$/.exec(frame.ref);
    if (match && pane && pane.byId.has(Number(match[2]))) {
      const li = pane.byId.get(Number(match[2]));
      const status = li.querySelector(".msg-status");
      const resend = pane.editing.get(Number(match[2]));
      if (match[1] === "edit" && SCREENING_CODES.indexOf(frame.code) !== -1 && li.querySelector(".msg-edit")) {
        status.replaceChildren(screeningBox(frame, T.tSaveAnyway, resend)); // the edit form keeps the text
        status.scrollIntoView({ block: "nearest" });
      } else {
        status.textContent = frame.message;
      }
    }
  });

  // Navigation without page loads ------------------------------------------------------------
  list.addEventListener("click", function (event) {
    const link = event.target.closest("a.chat-item-link");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    openConversation(Number(link.closest("[data-conversation]").dataset.conversation), "push");
  });

  paneHost.addEventListener("click", function (event) {
    const back = event.target.closest("[data-chat-back]");
    if (!back || !pane) return;
    event.preventDefault();
    root.classList.remove("has-pane");
    window.history.pushState({}, "", chatBase);
  });

  window.addEventListener("popstate", function () {
    const match = new RegExp("^" + chatBase.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&") + "(\\d+)/$").exec(window.location.pathname);
    if (match) openConversation(Number(match[1]), null);
    else root.classList.remove("has-pane");
  });

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      markRead();
      noteActivity();
    }
  });
  root.addEventListener("keydown", noteActivity);
  root.addEventListener("pointerdown", noteActivity);

  setupPane();
})();
