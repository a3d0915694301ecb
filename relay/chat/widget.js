/* inbox website chat widget: plain JavaScript, no framework, text only.
 *
 *   <script src="https://RELAY/widget.js" data-workspace="WORKSPACE" defer></script>
 *
 * Everything lives in an open shadow root, so the page's CSS cannot reach it; style it
 * with CSS variables on the page: --inbox-chat-accent, --inbox-chat-background,
 * --inbox-chat-text, --inbox-chat-font, --inbox-chat-radius. Elements carry stable
 * data-inbox-chat hooks (launcher, panel, name, email, input, send, messages, message
 * with data-author, notice for the workspace's away message, typing). Nothing either side writes is ever parsed as HTML.
 *
 * The session token, unsent messages and the visitor's name and email are kept in
 * localStorage: a reload, another tab or a relay restart picks the chat up again, and a
 * message sent while offline goes once the socket is back (its id makes a resend the
 * same message, never a second one).
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__inboxChat) return;
  window.__inboxChat = true;
  var workspace = script.getAttribute("data-workspace") || "";
  var relay = new URL(script.src);
  var socketUrl = (relay.protocol === "https:" ? "wss://" : "ws://") + relay.host +
    "/chat?workspace=" + encodeURIComponent(workspace);
  var key = "inbox-chat:" + relay.host + ":" + workspace + ":";

  function load(name, fallback) {
    try {
      var v = localStorage.getItem(key + name);
      return v === null ? fallback : JSON.parse(v);
    } catch (e) { return fallback; }
  }
  function save(name, value) {
    try { localStorage.setItem(key + name, JSON.stringify(value)); } catch (e) { /* full */ }
  }

  var CSS = [
    ":host{all:initial;position:fixed;right:20px;bottom:20px;z-index:2147483000;",
    "font-family:var(--inbox-chat-font,system-ui,sans-serif);font-size:14px;",
    "color:var(--inbox-chat-text,#1d1d1f)}",
    "button{font:inherit;cursor:pointer;border:0}",
    "[data-inbox-chat=launcher]{width:56px;height:56px;border-radius:50%;position:relative;",
    "background:var(--inbox-chat-accent,#2f6fed);color:#fff;font-size:24px;",
    "box-shadow:0 4px 14px rgba(0,0,0,.25);float:right}",
    ".unread{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;",
    "border-radius:10px;background:#d93025;color:#fff;font-size:12px;line-height:20px}",
    "[data-inbox-chat=panel]{width:320px;max-width:calc(100vw - 40px);height:440px;",
    "max-height:calc(100vh - 110px);margin-bottom:12px;display:flex;flex-direction:column;",
    "background:var(--inbox-chat-background,#fff);border-radius:var(--inbox-chat-radius,12px);",
    "box-shadow:0 8px 30px rgba(0,0,0,.2);overflow:hidden}",
    "[hidden]{display:none!important}",
    "header{padding:10px 12px;background:var(--inbox-chat-accent,#2f6fed);color:#fff}",
    ".who{display:flex;gap:6px;padding:8px 12px 0}",
    ".who input{flex:1;min-width:0}",
    "input,textarea{font:inherit;color:inherit;border:1px solid #ccc;border-radius:6px;",
    "padding:5px 7px;background:transparent}",
    "[data-inbox-chat=messages]{flex:1;overflow-y:auto;padding:10px 12px;margin:0;",
    "list-style:none}",
    "[data-inbox-chat=message]{margin:6px 0;padding:7px 10px;border-radius:10px;",
    "max-width:80%;white-space:pre-wrap;overflow-wrap:anywhere;width:fit-content}",
    "[data-author=visitor]{margin-left:auto;background:var(--inbox-chat-accent,#2f6fed);",
    "color:#fff}",
    "[data-author=agent]{background:#eef0f3}",
    "[data-inbox-chat=notice]{margin:8px 0;font-size:12px;opacity:.75;text-align:center;",
    "white-space:pre-wrap;overflow-wrap:anywhere}",
    ".pending{opacity:.6}",
    ".name{display:block;font-size:11px;opacity:.7}",
    "[data-inbox-chat=typing]{padding:0 12px 4px;font-size:12px;opacity:.7;min-height:16px}",
    "form{display:flex;gap:6px;padding:8px 12px 12px}",
    "textarea{flex:1;resize:none;height:38px}",
    "[data-inbox-chat=send]{background:var(--inbox-chat-accent,#2f6fed);color:#fff;",
    "border-radius:6px;padding:0 12px}"
  ].join("");

  function el(tag, hook, text) {
    var node = document.createElement(tag);
    if (hook) node.setAttribute("data-inbox-chat", hook);
    if (text) node.textContent = text;
    return node;
  }

  var host = el("div", "root");
  var root = host.attachShadow({ mode: "open" });
  var style = document.createElement("style");
  style.textContent = CSS;
  var panel = el("section", "panel");
  panel.hidden = true;
  var header = el("header", null, "Chat with us");
  var who = el("div");
  who.className = "who";
  var nameInput = el("input", "name");
  nameInput.placeholder = "Name (optional)";
  nameInput.maxLength = 80;
  var emailInput = el("input", "email");
  emailInput.type = "email";
  emailInput.placeholder = "Email (optional)";
  emailInput.maxLength = 254;
  who.append(nameInput, emailInput);
  var list = el("ul", "messages");
  var typing = el("div", "typing");
  var form = el("form");
  var input = el("textarea", "input");
  input.placeholder = "Write a message…";
  input.maxLength = 4000;
  var send = el("button", "send", "Send");
  send.type = "submit";
  form.append(input, send);
  panel.append(header, who, list, typing, form);
  var launcher = el("button", "launcher", "💬");
  launcher.type = "button";
  launcher.setAttribute("aria-label", "Chat");
  var badge = el("span");
  badge.className = "unread";
  badge.hidden = true;
  launcher.append(badge);
  root.append(style, panel, launcher);

  var shown = new Map(); // message id -> its element
  var outbox = load("outbox", []); // [{id, body}]: written, not yet taken by the relay
  var profile = load("profile", {});
  var unread = 0;
  var ws = null;
  var ready = false;
  var delay = 500;
  var typingSent = false;
  var typingTimer = 0;
  nameInput.value = profile.name || "";
  emailInput.value = profile.email || "";

  function newId() {
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    var s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function show(m, pending) {
    var li = shown.get(m.id);
    if (!li && m.author === "system") { // the workspace's away message: a line, no bubble
      li = el("li", "notice", m.body);
      li.setAttribute("data-id", m.id);
      list.append(li);
      shown.set(m.id, li);
    } else if (!li) {
      li = el("li", "message");
      li.setAttribute("data-id", m.id);
      li.setAttribute("data-author", m.author === "agent" ? "agent" : "visitor");
      if (m.author === "agent" && m.name) {
        var name = el("span", null, m.name);
        name.className = "name";
        li.append(name);
      }
      li.append(document.createTextNode(m.body));
      list.append(li);
      shown.set(m.id, li);
      if (m.author === "agent" && !pending && (panel.hidden || document.hidden)) {
        unread += 1;
        drawUnread();
      }
    }
    li.classList.toggle("pending", !!pending);
    list.scrollTop = list.scrollHeight;
  }

  function drawUnread() {
    badge.textContent = String(unread);
    badge.hidden = unread === 0;
  }

  function put(frame) {
    if (ws && ready) ws.send(JSON.stringify(frame));
  }

  function flush() {
    for (var i = 0; i < outbox.length; i++) put({ t: "say", id: outbox[i].id, body: outbox[i].body });
  }

  function connect() {
    ready = false;
    ws = new WebSocket(socketUrl);
    ws.onopen = function () {
      ready = true;
      put({ t: "hello", token: load("token", null) });
    };
    ws.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame.t === "welcome") {
        delay = 500;
        save("token", frame.token);
        list.textContent = "";
        shown.clear();
        var taken = {};
        frame.messages.forEach(function (m) { taken[m.id] = true; show(m, false); });
        outbox = outbox.filter(function (m) { return !taken[m.id]; });
        save("outbox", outbox);
        outbox.forEach(function (m) { show({ id: m.id, author: "visitor", body: m.body }, true); });
        if (frame.agent) header.textContent = "Chat with " + frame.agent;
        if (profile.name || profile.email) put({ t: "profile", name: profile.name, email: profile.email });
        flush();
      } else if (frame.t === "message") {
        var m = frame.message;
        outbox = outbox.filter(function (o) { return o.id !== m.id; });
        save("outbox", outbox);
        show(m, false);
        if (m.author === "agent") {
          header.textContent = "Chat with " + m.name;
          typing.textContent = "";
        }
      } else if (frame.t === "typing") {
        typing.textContent = frame.on ? (frame.agent || "An agent") + " is typing…" : "";
      }
    };
    ws.onclose = function (event) {
      ready = false;
      typing.textContent = "";
      if (event.reason) console.warn("inbox chat:", event.reason);
      var wait = delay / 2 + Math.random() * delay / 2;
      delay = Math.min(delay * 2, 15000);
      setTimeout(connect, wait);
    };
  }

  function stopTyping() {
    clearTimeout(typingTimer);
    if (typingSent) put({ t: "typing", on: false });
    typingSent = false;
  }

  launcher.addEventListener("click", function () {
    panel.hidden = !panel.hidden;
    if (!panel.hidden) {
      unread = 0;
      drawUnread();
      input.focus();
      list.scrollTop = list.scrollHeight;
    }
  });
  input.addEventListener("input", function () {
    if (!typingSent && input.value) {
      typingSent = true;
      put({ t: "typing", on: true });
    }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(stopTyping, 3000);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = input.value.trim();
    if (!body) return;
    var m = { id: newId(), body: body };
    outbox.push(m);
    save("outbox", outbox);
    input.value = "";
    stopTyping();
    show({ id: m.id, author: "visitor", body: body }, true);
    put({ t: "say", id: m.id, body: body });
  });
  function profileChanged() {
    profile = { name: nameInput.value.trim(), email: emailInput.value.trim() };
    if (profile.email && !emailInput.checkValidity()) return;
    save("profile", profile);
    put({ t: "profile", name: profile.name, email: profile.email });
  }
  nameInput.addEventListener("change", profileChanged);
  emailInput.addEventListener("change", profileChanged);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && !panel.hidden) {
      unread = 0;
      drawUnread();
    }
  });

  function start() {
    document.body.append(host);
    connect();
  }
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
