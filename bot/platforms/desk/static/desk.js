// The queue refreshes its list when a ticket changes (checked every 10 s), and says so to screen readers;
// after an action, focus moves to its confirmation or error.
(function () {
  "use strict";
  var flash = document.getElementById("flash");
  if (flash) { flash.focus(); }
  var queue = document.getElementById("queue");
  if (!queue) { return; }
  var said = document.getElementById("queue-status");
  function check() {
    fetch("/desk/queue/version", {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || data.version === queue.dataset.version) { return; }
        return fetch(queue.dataset.source, {credentials: "same-origin"}).then(function (r) { return r.text(); })
          .then(function (html) {
            if (queue.contains(document.activeElement)) { return; }  // never pull the list from under the keyboard
            queue.innerHTML = html;
            queue.dataset.version = data.version;
            said.textContent = "The queue was updated.";
          });
      })
      .catch(function () {});
  }
  setInterval(check, 10000);
})();
