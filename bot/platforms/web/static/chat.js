// partnerbot web chat: plain JavaScript, no build step, no network beyond this server.
(function () {
  "use strict";
  var log = document.getElementById("log");
  var form = document.getElementById("ask");
  var input = document.getElementById("text");
  var STORE = "partnerbot.chat";

  function load() {
    try { return JSON.parse(localStorage.getItem(STORE)) || null; } catch (e) { return null; }
  }
  function newSession() {
    var id = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random();
    return { session: "web-" + id, user: "web-" + id, transcript: [] };
  }
  var state = load() || newSession();
  function save() { localStorage.setItem(STORE, JSON.stringify(state)); }

  // Bold *text* the way chat platforms do, without ever injecting HTML.
  function appendRich(parent, text) {
    String(text).split(/(```[\s\S]*?```)/).forEach(function (block) {
      if (/^```[\s\S]*```$/.test(block)) {
        var pre = document.createElement("pre");
        pre.textContent = block.slice(3, -3).replace(/^\n/, "");
        parent.appendChild(pre);
        return;
      }
      block.split(/(\*[^*\n]+\*|`[^`\n]+`)/).forEach(function (part) {
        var el;
        if (/^\*[^*\n]+\*$/.test(part)) {
          el = document.createElement("strong");
          el.textContent = part.slice(1, -1);
        } else if (/^`[^`\n]+`$/.test(part)) {
          el = document.createElement("code");
          el.textContent = part.slice(1, -1);
        } else {
          el = document.createTextNode(part);
        }
        parent.appendChild(el);
      });
    });
  }

  function render(entry, live) {
    var div = document.createElement("div");
    div.className = "msg " + entry.who;
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = entry.who === "me" ? "You" : "partnerbot";
    div.appendChild(who);
    var body = document.createElement("div");
    appendRich(body, entry.text);
    div.appendChild(body);
    if (entry.fields && entry.fields.length) {
      var dl = document.createElement("dl");
      dl.className = "fields";
      entry.fields.forEach(function (f) {
        var dt = document.createElement("dt"); dt.textContent = f.label;
        var dd = document.createElement("dd"); dd.textContent = f.value;
        dl.appendChild(dt); dl.appendChild(dd);
      });
      div.appendChild(dl);
    }
    if (entry.buttons && entry.buttons.length) {
      var group = document.createElement("div");
      group.className = "buttons";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Choices");
      entry.buttons.forEach(function (b) {
        var btn = document.createElement("button");
        btn.type = "button";
        btn.textContent = b.label;
        btn.disabled = !live;
        btn.addEventListener("click", function () {
          Array.prototype.forEach.call(group.querySelectorAll("button"), function (x) { x.disabled = true; });
          send({ action: b.action, value: b.value }, b.label);
        });
        group.appendChild(btn);
      });
      div.appendChild(group);
    }
    if (entry.footer) {
      var foot = document.createElement("span");
      foot.className = "footer";
      foot.textContent = entry.footer;
      div.appendChild(foot);
    }
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
    return div;
  }

  function disableOld() {
    Array.prototype.forEach.call(log.querySelectorAll(".buttons button"), function (b) { b.disabled = true; });
  }

  function send(payload, shown) {
    disableOld();
    var mine = { who: "me", text: shown };
    state.transcript.push(mine);
    render(mine, false);
    payload.session = state.session;
    payload.user = state.user;
    var headers = { "Content-Type": "application/json" };
    var passcode = localStorage.getItem("partnerbot.passcode");
    if (passcode) { headers["X-Passcode"] = passcode; }
    fetch("/chat", { method: "POST", headers: headers, body: JSON.stringify(payload) })
      .then(function (r) {
        if (r.status === 401) { document.getElementById("passcode-box").hidden = false; throw new Error("passcode"); }
        return r.json();
      })
      .then(function (reply) {
        var entry = { who: "bot", text: reply.text, buttons: reply.buttons, fields: reply.fields, footer: reply.footer };
        state.transcript.push(entry);
        save();
        render(entry, true);
        input.focus();
      })
      .catch(function (e) {
        var text = e.message === "passcode" ? "This chat needs the passcode your department shared." :
          "Sorry, I couldn't reach the server. Please try again.";
        render({ who: "bot", text: text }, false);
      });
    save();
  }

  function showNotices(notices) {
    (notices || []).forEach(function (n) {
      var entry = { who: "bot", text: "Update: " + n.text, buttons: n.buttons };
      state.transcript.push(entry);
      render(entry, true);
    });
    if (notices && notices.length) { save(); }
  }

  // Ticket updates and training reminders arrive while the page is open (or on the next visit).
  function poll() {
    var headers = {};
    var passcode = localStorage.getItem("partnerbot.passcode");
    if (passcode) { headers["X-Passcode"] = passcode; }
    fetch("/notices?session=" + encodeURIComponent(state.session), { headers: headers })
      .then(function (r) { return r.ok ? r.json() : { notices: [] }; })
      .then(function (body) { showNotices(body.notices); })
      .catch(function () { /* offline: try again later */ });
  }
  setInterval(poll, 30000);

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value;
    if (!text.trim()) { return; }
    input.value = "";
    send({ text: text }, text);
  });
  document.getElementById("reset").addEventListener("click", function () {
    state = newSession(); save(); log.textContent = ""; input.focus();
  });
  document.getElementById("passcode-save").addEventListener("click", function () {
    localStorage.setItem("partnerbot.passcode", document.getElementById("passcode").value);
    document.getElementById("passcode-box").hidden = true;
  });

  state.transcript.forEach(function (entry, i) { render(entry, i === state.transcript.length - 1 && entry.who === "bot"); });
  if (!state.transcript.length) {
    render({ who: "bot", text: "Hello! I can help with partnership agreements, which partners serve a school, upcoming trainings, and consultations with the department." }, false);
  }
  poll();
  input.focus();
})();
