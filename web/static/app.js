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
