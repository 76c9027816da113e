// budgetpoint: small enhancements only; every page works without this file.
(function () {
  "use strict";
  // Skip logic: a question with data-relevant-key is shown only while that
  // earlier question's answer is one of data-relevant-in (and that question
  // is shown); hidden, its inputs are disabled, so nothing of it is sent.
  // Without this script every question shows, with its hint, and the server checks.
  document.querySelectorAll("form").forEach(function (form) {
    var qs = form.querySelectorAll("[data-relevant-key]");
    if (!qs.length) return;
    function update() {
      qs.forEach(function (q) {
        var src = document.getElementById("q-" + q.dataset.relevantKey);
        var want = q.dataset.relevantIn.split(" ");
        var shown = !!src && !src.hidden && Array.prototype.some.call(
          src.querySelectorAll("input:checked"), function (i) { return want.indexOf(i.value) >= 0; });
        q.hidden = !shown;
        q.querySelectorAll("input, textarea, select").forEach(function (i) { i.disabled = !shown; });
      });
    }
    form.addEventListener("change", update);
    update();
  });

  // Filling without signal (the fill pages, form[data-offline]): what is
  // typed is kept on the device as it is typed and brought back if the page
  // is opened again; the form is sent with fetch, and when the network is
  // not there the submission (its response id fixed in the form) is kept
  // and sent by itself when the network returns, or the next time the page
  // opens. The server's own answer (the thank-you page, or the page with
  // what to fix) is then shown. The same response id is counted once.
  // No service worker: WeChat's browser on iOS does not run one.
  document.querySelectorAll("form[data-offline]").forEach(function (f) {
    var store = window.localStorage, action = f.getAttribute("action");
    var draftKey = "bp-fill:" + action, queueKey = "bp-queue:" + action;
    var status = document.getElementById("offline-status");
    var button = f.querySelector("button[type=submit]");
    var sending = false;
    function say(msg) { if (status) { status.textContent = msg; status.className = "flash flash-info"; status.hidden = false; } }
    function get(k) { try { return store.getItem(k); } catch (e) { return null; } }
    function put(k, v) { try { store.setItem(k, v); } catch (e) { /* private mode or full: the form still posts */ } }
    function drop(k) { try { store.removeItem(k); } catch (e) { /* as above */ } }
    function save() {
      var d = {};
      new FormData(f).forEach(function (v, k) { if (k !== "csrf") { (d[k] = d[k] || []).push(String(v)); } });
      put(draftKey, JSON.stringify(d));
    }
    function restore() {
      var s = null;
      try { s = JSON.parse(get(draftKey) || "null"); } catch (e) { s = null; }
      if (!s || f.hasAttribute("data-errors")) return;
      Object.keys(s).forEach(function (k) {
        f.querySelectorAll("[name]").forEach(function (el) {
          if (el.name !== k) return;
          if (el.type === "radio" || el.type === "checkbox") el.checked = s[k].indexOf(el.value) >= 0;
          else el.value = s[k][0];
        });
      });
      f.dispatchEvent(new Event("change", { bubbles: true }));
      say(f.dataset.restored);
    }
    function busy(on) { if (button) { button.disabled = on; if (on && button.dataset.busy) button.textContent = button.dataset.busy; } }
    function send(body) {
      if (sending) return;
      sending = true;
      busy(true);
      fetch(action, { method: "POST", body: body, credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" } })
        .then(function (r) {
          var path = new URL(r.url).pathname;
          if (r.redirected && path.indexOf("/login") === 0) {
            drop(queueKey); // a new sign-in gives a new token: the form is sent again from the page
            say(f.dataset.relogin);
            location.href = "/login?next=" + encodeURIComponent(location.pathname);
            return;
          }
          if (r.status >= 500) throw new Error("server " + r.status); // keep it, try again later
          drop(queueKey);
          if (r.redirected) { drop(draftKey); location.href = r.url; return; }
          // Refused (nothing was stored): post the form itself, so that the
          // server's page with what to fix opens as a page of its own.
          HTMLFormElement.prototype.submit.call(f);
        })
        .catch(function () {
          put(queueKey, body);
          say(f.dataset.savedLocal);
          busy(false);
        })
        .then(function () { sending = false; });
    }
    f.addEventListener("input", save);
    f.addEventListener("change", save);
    f.addEventListener("submit", function (e) {
      if (!window.fetch || !window.URLSearchParams) return; // an old browser posts as before
      e.preventDefault();
      save();
      var body = new URLSearchParams(new FormData(f)).toString();
      if (navigator.onLine === false) { put(queueKey, body); say(f.dataset.savedLocal); return; }
      send(body);
    });
    function flush() { var q = get(queueKey); if (q && navigator.onLine !== false) { say(f.dataset.sendingQueued); send(q); } }
    window.addEventListener("online", flush);
    restore();
    if (get(queueKey)) { say(f.dataset.savedLocal); flush(); }
  });

  // The page of a topic no longer open, for a fill page: answers kept on
  // the device for it (a submission queued offline, or a draft) cannot be
  // sent any more. Said plainly, then let go.
  document.querySelectorAll("[data-offline-closed]").forEach(function (p) {
    var action = p.dataset.offlineClosed, store = window.localStorage;
    try {
      if (store.getItem("bp-queue:" + action) || store.getItem("bp-fill:" + action)) {
        p.hidden = false;
        store.removeItem("bp-queue:" + action);
        store.removeItem("bp-fill:" + action);
      }
    } catch (e) { /* no storage: nothing was kept */ }
  });

  // A multiple choice with data-max: once that many are ticked, the other
  // boxes are disabled until one is unticked (the server checks it too).
  document.querySelectorAll("fieldset[data-max]").forEach(function (fs) {
    var max = parseInt(fs.dataset.max, 10);
    var boxes = fs.querySelectorAll("input[type=checkbox]");
    function update() {
      var n = fs.querySelectorAll("input[type=checkbox]:checked").length;
      boxes.forEach(function (b) { if (!b.checked) b.disabled = n >= max || fs.hidden; });
    }
    fs.addEventListener("change", update);
    update();
  });

  // A form with data-confirm asks first (deleting a login): no, nothing is sent.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (f.matches("form[data-confirm]") && !window.confirm(f.dataset.confirm)) e.preventDefault();
  }, true);

  // A form with data-once submits once: the button is disabled and says so.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (!f.matches("form[data-once]")) return;
    if (f.dataset.sent) { e.preventDefault(); return; }
    f.dataset.sent = "1";
    var b = f.querySelector("button[type=submit]:not([name])") || e.submitter;
    if (b && b.dataset.busy) { b.textContent = b.dataset.busy; }
    setTimeout(function () { if (b) b.disabled = true; }, 0);
  });

  // Long work (sync now, exports): post with fetch, show what it is doing, then done.
  document.querySelectorAll("form[data-progress]").forEach(function (f) {
    var out = document.getElementById(f.dataset.progress);
    f.addEventListener("submit", function (e) {
      if (!window.fetch || !out) return;
      e.preventDefault();
      var b = f.querySelector("button");
      if (b) b.disabled = true;
      out.textContent = f.dataset.busy || "…";
      var token = f.querySelector("input[name=csrf]");
      // data-api: the API to call directly (it answers JSON); without JS the form posts to its action.
      fetch(f.dataset.api || f.action, { method: "POST", headers: { "Accept": "application/json", "X-CSRF-Token": token ? token.value : "" }, credentials: "same-origin" })
        .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
        .then(function (x) {
          out.textContent = x.ok ? (f.dataset.done || "✓") : ((x.j.error && x.j.error.message) || f.dataset.fail || "×");
          if (x.ok && f.dataset.reload) setTimeout(function () { location.reload(); }, 800);
        })
        .catch(function () { out.textContent = f.dataset.fail || "×"; })
        .then(function () { if (b) b.disabled = false; });
    });
  });

  // Downloads (Excel): say that the file is being prepared, then that it is ready.
  document.querySelectorAll("a[data-download]").forEach(function (a) {
    var out = document.getElementById(a.dataset.download);
    a.addEventListener("click", function (e) {
      if (!window.fetch || !out || !window.URL) return;
      e.preventDefault();
      out.textContent = a.dataset.busy || "…";
      fetch(a.href, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) throw new Error(r.status);
        var name = (r.headers.get("Content-Disposition") || "").match(/filename\*=UTF-8''([^;]+)/);
        return r.blob().then(function (b) { return { b: b, n: name ? decodeURIComponent(name[1]) : "export.xlsx" }; });
      }).then(function (x) {
        var u = URL.createObjectURL(x.b), l = document.createElement("a");
        l.href = u; l.download = x.n; document.body.appendChild(l); l.click(); l.remove();
        setTimeout(function () { URL.revokeObjectURL(u); }, 10000);
        out.textContent = a.dataset.done || "✓";
      }).catch(function () { out.textContent = a.dataset.fail || "×"; });
    });
  });

  // Print buttons.
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function (e) { e.preventDefault(); window.print(); });
  });

  // The first field with an error gets the focus, so a keyboard or screen reader user lands there.
  var bad = document.querySelector("[aria-invalid=true]");
  if (bad) bad.focus();
})();
