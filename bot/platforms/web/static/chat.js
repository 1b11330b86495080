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
    return { session: "web-" + id, transcript: [] };
  }
  var state = load() || newSession();
  var KEPT = 200;  // messages kept for the next visit
  function save() {
    if (state.transcript.length > KEPT) { state.transcript = state.transcript.slice(-KEPT); }
    try { localStorage.setItem(STORE, JSON.stringify(state)); }
    catch (e) {  // the browser's storage is full (charts are large): keep the conversation, drop old pictures
      state.transcript.forEach(function (entry) { if (entry.chart) { delete entry.chart.image; } });
      try { localStorage.setItem(STORE, JSON.stringify(state)); } catch (ignored) { /* shown, not kept */ }
    }
  }

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
    if (entry.table && entry.table.header) { div.appendChild(renderTable(entry.table)); }
    if (entry.chart && entry.chart.image) { div.appendChild(renderChart(entry.chart)); }
    if (entry.form && entry.form.fields) { div.appendChild(renderForm(entry.form, live)); }
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

  function cell(tag, text) {
    var el = document.createElement(tag);
    el.textContent = text;
    return el;
  }

  // A chart comes drawn by the server as an SVG data: URI; as an <img> it can run no script.
  function renderChart(chart) {
    var figure = document.createElement("figure");
    figure.className = "chart";
    var img = document.createElement("img");
    if (chart.image.indexOf("data:image/svg+xml;base64,") === 0) { img.src = chart.image; }
    img.alt = chart.description || chart.title;
    // drawn after the answer was scrolled to: show the whole answer, its chart included
    img.addEventListener("load", function () { log.scrollTop = log.scrollHeight; });
    figure.appendChild(img);
    return figure;
  }

  function renderTable(table) {
    var el = document.createElement("table");
    var head = el.createTHead().insertRow();
    table.header.forEach(function (h) { var th = cell("th", h); th.scope = "col"; head.appendChild(th); });
    var body = el.createTBody();
    table.rows.forEach(function (row) {
      var tr = body.insertRow();
      row.forEach(function (value, i) {
        var c = cell(i === 0 ? "th" : "td", value);
        if (i === 0) { c.scope = "row"; }
        tr.appendChild(c);
      });
    });
    return el;
  }

  // A form (consultation request, report outdated info) as labelled inputs, folded under its title
  // so the chat stays readable (open when a field needs fixing); submitting sends its values the
  // way a Slack modal or a Teams card does. Answering step by step in the chat works as well.
  function renderForm(spec, live) {
    var fold = document.createElement("details");
    fold.className = "bot-form-fold";
    fold.open = spec.fields.some(function (f) { return !!f.error; });
    fold.appendChild(cell("summary", spec.title + ": fill in the form"));
    var el = document.createElement("form");
    el.className = "bot-form";
    el.setAttribute("aria-label", spec.title);
    fold.appendChild(el);
    spec.fields.forEach(function (f) {
      var id = "f-" + Math.random().toString(36).slice(2);
      var label = cell("label", f.label + (f.optional ? " (optional)" : ""));
      label.htmlFor = id;
      var input;
      if (f.kind === "choice") {
        input = document.createElement("select");
        if (f.optional || !f.value) { input.appendChild(cell("option", "")); }
        (f.options || []).forEach(function (o) {
          var opt = cell("option", o.label);
          opt.value = o.value;
          opt.selected = o.value === f.value;
          input.appendChild(opt);
        });
      } else {
        input = document.createElement(f.kind === "multiline" ? "textarea" : "input");
        if (f.kind !== "multiline") { input.type = "text"; }
        input.value = f.value || "";
        input.placeholder = f.placeholder || "";
      }
      input.id = id;
      input.name = f.name;
      input.required = !f.optional;
      input.disabled = !live;
      el.appendChild(label);
      el.appendChild(input);
      if (f.error) {
        var err = cell("span", f.error);
        err.className = "error";
        input.setAttribute("aria-invalid", "true");
        el.appendChild(err);
      }
    });
    var submit = cell("button", spec.submit.label);
    submit.type = "submit";
    submit.disabled = !live;
    el.appendChild(submit);
    el.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var values = { context: spec.submit.value };
      Array.prototype.forEach.call(el.elements, function (x) { if (x.name) { values[x.name] = x.value; } });
      send({ action: spec.submit.action, value: JSON.stringify(values) }, spec.submit.label);
    });
    return fold;
  }

  function disableOld() {
    Array.prototype.forEach.call(log.querySelectorAll(".buttons button, .bot-form input, .bot-form textarea, " +
      ".bot-form select, .bot-form button"), function (b) { b.disabled = true; });
  }

  function send(payload, shown) {
    disableOld();
    var mine = { who: "me", text: shown };
    state.transcript.push(mine);
    render(mine, false);
    payload.session = state.session;  // who you are is the server's cookie; this only names the conversation
    var name = localStorage.getItem("partnerbot.name");
    if (name) { payload.name = name; }
    var headers = { "Content-Type": "application/json" };
    var passcode = localStorage.getItem("partnerbot.passcode");
    if (passcode) { headers["X-Passcode"] = passcode; }
    fetch("/chat", { method: "POST", headers: headers, body: JSON.stringify(payload) })
      .then(function (r) {
        if (r.status === 401) { document.getElementById("passcode-box").hidden = false; throw new Error("passcode"); }
        return r.json();
      })
      .then(function (reply) {
        var entry = { who: "bot", text: reply.text, buttons: reply.buttons, fields: reply.fields, footer: reply.footer,
                      table: reply.table, chart: reply.chart, form: reply.form };
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
    fetch("/notices", { headers: headers })
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
    state = newSession(); save(); log.textContent = ""; greet(); input.focus();
  });
  var nameInput = document.getElementById("name");
  nameInput.value = localStorage.getItem("partnerbot.name") || "";
  nameInput.addEventListener("change", function () {
    localStorage.setItem("partnerbot.name", nameInput.value.trim());
  });
  document.getElementById("passcode-save").addEventListener("click", function () {
    localStorage.setItem("partnerbot.passcode", document.getElementById("passcode").value);
    document.getElementById("passcode-box").hidden = true;
  });

  state.transcript.forEach(function (entry, i) { render(entry, i === state.transcript.length - 1 && entry.who === "bot"); });
  // The greeting, with starter questions as buttons: on a first visit and after "Start a new conversation".
  function greet() {
    var starters = ["Which agreement applies?", "Who works with Rainier Beach?", "Upcoming trainings",
                    "I need a consultation"];
    var group = render({ who: "bot", text: "Hello! I can help with partnership agreements, which partners serve a " +
      "school, upcoming trainings, and consultations with the department." }, false);
    var buttons = document.createElement("div");
    buttons.className = "buttons";
    buttons.setAttribute("role", "group");
    buttons.setAttribute("aria-label", "Starter questions");
    starters.forEach(function (text) {
      var btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = text;
      btn.addEventListener("click", function () { send({ text: text }, text); });
      buttons.appendChild(btn);
    });
    group.appendChild(buttons);
  }
  if (!state.transcript.length) { greet(); }
  poll();
  input.focus();
})();
