/* The activity feed in the browser: live "N new posts" bar, live comments and reaction counts
 * on an open post, @mention autocomplete, confirmations, character counters, and a guard
 * against double submission. Protocol: docs/realtime.md. No inline scripts (strict CSP).
 */
(function () {
  "use strict";

  function socket() {
    return window.Socialco && window.Socialco.socket;
  }

  /* Live feed: subscribe on every (re)connect; count new posts and offer to show them.
   * The feed element may arrive later (the group page loads its feed with htmx). */
  let liveFeed = null;
  let freshPosts = new Set();

  function subscribeFeed() {
    const ws = socket();
    if (!liveFeed || !ws) return;
    const frame = { type: "feed.subscribe", feed: liveFeed.dataset.feed };
    if (liveFeed.dataset.key) frame.key = liveFeed.dataset.key;
    ws.send(frame);
  }

  function setupFeedLive(root) {
    const live = root.querySelector("[data-feed-live]");
    const ws = socket();
    if (!live || !ws || live.dataset.liveReady) return;
    live.dataset.liveReady = "1";
    liveFeed = live;
    freshPosts = new Set();
    live.querySelector("[data-new-posts]").addEventListener("click", function () {
      window.location.href = window.location.pathname;
    });
    if (ws.isOpen()) subscribeFeed();
  }

  function listenFeedLive() {
    const ws = socket();
    if (!ws) return;
    ws.on("socket.open", subscribeFeed);
    ws.on("feed.new_post", function (frame) {
      if (!liveFeed || frame.feed !== liveFeed.dataset.feed) return;
      if (document.getElementById("post-" + frame.post)) return;
      freshPosts.add(frame.post);
      const n = freshPosts.size;
      const label = liveFeed.querySelector("[data-new-posts-label]");
      label.textContent = n === 1 ? liveFeed.dataset.labelOne : liveFeed.dataset.labelMany.replace("__N__", String(n));
      liveFeed.querySelector("[data-new-posts]").hidden = false;
    });
  }

  /* An open post: comments and reaction counts arrive live. */
  function setupPostLive() {
    const root = document.querySelector("[data-post-live]");
    const ws = socket();
    if (!root || !ws) return;
    const postId = parseInt(root.dataset.postLive, 10);
    const commentUrl = function (id) { return "/feed/comments/" + id + "/"; };

    ws.on("socket.open", function () { ws.send({ type: "post.subscribe", post: postId }); });

    function setCount(count) {
      document.querySelectorAll('[data-comment-count="' + postId + '"]').forEach(function (el) {
        el.textContent = String(count);
      });
    }

    ws.on("post.reactions", function (frame) {
      if (frame.post !== postId) return;
      const key = frame.comment ? "comment-" + frame.comment : "post-" + frame.post;
      const bar = document.querySelector('[data-reaction-bar="' + key + '"]');
      if (!bar) return;
      let total = 0;
      bar.querySelectorAll("button[data-kind]").forEach(function (button) {
        const n = frame.counts[button.dataset.kind] || 0;
        total += n;
        button.querySelector("[data-count]").textContent = n ? String(n) : "";
        button.classList.toggle("is-zero", n === 0);
      });
      const who = bar.querySelector(".who-reacted");
      if (who) who.hidden = total === 0;
    });

    ws.on("post.comment_created", function (frame) {
      if (frame.post !== postId) return;
      setCount(frame.comment_count);
      if (document.getElementById("comment-" + frame.comment) || !window.htmx) return;
      const target = frame.parent ? "#replies-" + frame.parent : "#comments-" + postId;
      if (!document.querySelector(target)) return;
      window.htmx.ajax("GET", commentUrl(frame.comment), { target: target, swap: "beforeend" });
    });

    ws.on("post.comment_changed", function (frame) {
      const el = document.getElementById("comment-" + frame.comment);
      if (el && window.htmx) window.htmx.ajax("GET", commentUrl(frame.comment), { target: el, swap: "outerHTML" });
    });

    ws.on("post.comment_removed", function (frame) {
      if (frame.post !== postId) return;
      setCount(frame.comment_count);
      const el = document.getElementById("comment-" + frame.comment);
      if (el) el.remove();
    });

    ws.on("post.removed", function (frame) {
      if (frame.post !== postId) return;
      root.innerHTML = "";
      const note = document.createElement("div");
      note.className = "card empty-state";
      note.textContent = root.dataset.removedLabel;
      root.appendChild(note);
    });
  }

  /* @mention autocomplete: the suggestions are an htmx partial (feed:mentions). */
  const TOKEN = /(^|[\s(,;])@([\w.+-]{1,60})$/;
  let listCounter = 0;

  function setupMentions(field) {
    if (field.dataset.mentionReady) return;
    field.dataset.mentionReady = "1";
    const list = document.createElement("ul");
    list.className = "mention-list";
    list.id = "mention-list-" + (++listCounter);
    list.setAttribute("role", "listbox");
    list.hidden = true;
    field.insertAdjacentElement("afterend", list);
    field.setAttribute("aria-autocomplete", "list");
    field.setAttribute("aria-controls", list.id);
    field.setAttribute("aria-expanded", "false");
    let token = null;
    let timer = null;

    function close() {
      list.hidden = true;
      field.setAttribute("aria-expanded", "false");
      field.removeAttribute("aria-activedescendant");
      token = null;
    }
    function options() {
      return Array.prototype.slice.call(list.querySelectorAll("li[data-handle]"));
    }
    function select(index) {
      const all = options();
      all.forEach(function (li, i) { li.setAttribute("aria-selected", i === index ? "true" : "false"); });
      if (all[index]) field.setAttribute("aria-activedescendant", all[index].id);
    }
    function selectedIndex() {
      return options().findIndex(function (li) { return li.getAttribute("aria-selected") === "true"; });
    }
    function choose(li) {
      if (!li || !token) return;
      const before = field.value.slice(0, token.end - token.text.length - 1);
      const after = field.value.slice(token.end);
      const insert = "@" + li.dataset.handle + " ";
      field.value = before + insert + after;
      const caret = before.length + insert.length;
      field.setSelectionRange(caret, caret);
      close();
      field.focus();
    }
    function lookup() {
      const caret = field.selectionStart;
      const match = TOKEN.exec(field.value.slice(0, caret));
      if (!match || !window.htmx) { close(); return; }
      token = { text: match[2], end: caret };
      window.htmx
        .ajax("GET", "/feed/mentions/?q=" + encodeURIComponent(match[2]), { target: list, swap: "innerHTML" })
        .then(function () {
          if (!token) return;
          list.hidden = false;
          field.setAttribute("aria-expanded", "true");
          select(0);
        });
    }
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookup, 150);
    });
    field.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      const count = options().length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        select((selectedIndex() + step + count) % Math.max(count, 1));
      } else if ((event.key === "Enter" || event.key === "Tab") && count) {
        event.preventDefault();
        choose(options()[Math.max(selectedIndex(), 0)]);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
    field.addEventListener("blur", function () { setTimeout(close, 150); });
    list.addEventListener("mousedown", function (event) {
      const li = event.target.closest("li[data-handle]");
      if (li) {
        event.preventDefault();
        choose(li);
      }
    });
  }

  /* "N / limit" under long texts, red once over the limit (the server still decides). */
  function setupCounter(field) {
    if (field.dataset.counterReady) return;
    field.dataset.counterReady = "1";
    const limit = parseInt(field.dataset.maxLength, 10);
    const out = document.createElement("div");
    out.className = "char-count";
    out.setAttribute("aria-live", "polite");
    out.hidden = true;
    field.insertAdjacentElement("afterend", out);
    function update() {
      const n = field.value.length;
      out.hidden = n < limit * 0.8;
      out.textContent = n.toLocaleString() + " / " + limit.toLocaleString();
      out.classList.toggle("is-over", n > limit);
    }
    field.addEventListener("input", update);
    update();
  }

  function enhance(root) {
    root.querySelectorAll("[data-mention-autocomplete]").forEach(setupMentions);
    root.querySelectorAll("[data-max-length]").forEach(setupCounter);
  }

  document.addEventListener("DOMContentLoaded", function () {
    listenFeedLive();
    setupFeedLive(document);
    setupPostLive();
    enhance(document);
    document.body.addEventListener("htmx:afterSettle", function (event) {
      enhance(document);
      setupFeedLive(document);
    });

    // Confirm destructive actions (works with and without htmx: runs before either submits).
    document.addEventListener(
      "submit",
      function (event) {
        const form = event.target;
        if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
          event.preventDefault();
          event.stopImmediatePropagation();
        }
      },
      true
    );
    // A composer is sent once: the idempotency key makes a second send harmless anyway.
    document.addEventListener("submit", function (event) {
      const form = event.target;
      if (!form.matches || !form.matches("form[data-composer]") || event.defaultPrevented) return;
      setTimeout(function () {
        form.querySelectorAll('button[type="submit"]').forEach(function (b) { b.disabled = true; });
      }, 0);
    });
    // "Reply" opens the reply box in place instead of reloading the page.
    document.addEventListener("click", function (event) {
      const link = event.target.closest && event.target.closest("[data-reply-to]");
      if (!link) return;
      const box = document.getElementById("reply-" + link.dataset.replyTo);
      if (!box) return;
      event.preventDefault();
      box.open = true;
      const field = box.querySelector("textarea");
      if (field) field.focus();
    });
  });
})();
