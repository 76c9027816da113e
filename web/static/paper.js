// budgetpoint paper entry (纸质问卷录入): Enter moves to the next question;
// Enter on the last one saves. Beside each choice question the typed numbers
// are echoed as their option labels. Without this file the page is a plain
// form: Enter in any field submits it.
(function () {
  "use strict";
  var form = document.querySelector("form[data-paper-entry]");
  if (!form) return;
  var steps = Array.prototype.slice.call(form.querySelectorAll("input[data-step]"));
  form.dataset.ready = "1";
  // After a refusal, the first wrong value is focused and selected, so that
  // typing replaces it (not "2" typed before "4" making "24").
  var wrong = form.querySelector("input[data-step][aria-invalid=true]");
  if (wrong) { wrong.focus(); wrong.select(); }
  // The serial offered for the next form is selected: Enter takes it,
  // typing replaces it.
  var serial = document.getElementById("serial");
  if (!wrong && serial && serial.value) { serial.focus(); serial.select(); }
  var sent = false;
  form.addEventListener("submit", function (e) {
    if (sent) { e.preventDefault(); return; } // a second Enter must not send the form twice
    sent = true;
  });
  // The option numbers typed in a choice question's box: "135" is 1, 3, 5
  // where every option has one digit, otherwise numbers are separated.
  var sep = /[\s,，、;；]+/;
  function numbers(inp) {
    var v = inp.value.trim();
    if (!v) return [];
    var parts = inp.hasAttribute("data-multi") && !inp.hasAttribute("data-separated") && !sep.test(v) ? v.split("") : v.split(sep);
    return parts.filter(Boolean);
  }
  // Skip logic: a question asked only when an earlier one's answer is one of
  // some options (li[data-skip-key]) is greyed out and its box disabled
  // while it is not asked, so that Enter passes it by and nothing of it is
  // sent; typed again when the earlier answer changes back. Sources come
  // before the questions they decide, so one pass in order settles chains.
  var skips = Array.prototype.slice.call(form.querySelectorAll("li[data-skip-key]"));
  function skip() {
    skips.forEach(function (li) {
      var src = document.getElementById("a-" + li.dataset.skipKey);
      var want = li.dataset.skipIn.split(" ");
      var asked = !!src && !src.disabled && numbers(src).some(function (n) { return want.indexOf(n) >= 0; });
      li.classList.toggle("paper-skipped", !asked);
      li.querySelectorAll("input").forEach(function (i) { i.disabled = !asked; });
    });
  }
  skip();
  function echo(inp) {
    if (inp.id.indexOf("a-") !== 0 || !inp.dataset.labels) return;
    var out = document.getElementById("echo-" + inp.id.slice(2));
    if (!out) return;
    var map = {};
    inp.dataset.labels.split("|").forEach(function (p) {
      var i = p.indexOf("=");
      map[p.slice(0, i)] = p.slice(i + 1);
    });
    var parts = numbers(inp);
    if (!parts.length) { out.textContent = ""; return; }
    var bad = false;
    out.textContent = parts.map(function (p) {
      if (map[p] === undefined) { bad = true; return p + " ?"; }
      return p + " " + map[p];
    }).join(document.documentElement.lang === "en" ? ", " : "、");
    out.classList.toggle("paper-bad", bad);
  }
  steps.forEach(function (inp, i) {
    echo(inp);
    inp.addEventListener("input", function () { echo(inp); skip(); });
    // Some input paths send Enter's keypress apart from its keydown: stop
    // that one too, or the browser submits the form early.
    inp.addEventListener("keypress", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey) e.preventDefault();
    });
    inp.addEventListener("keydown", function (e) {
      if (e.key !== "Enter" || e.isComposing || e.keyCode === 229 || e.shiftKey || e.altKey || e.ctrlKey || e.metaKey) return;
      e.preventDefault();
      var next = null;
      for (var j = i + 1; j < steps.length && !next; j++) {
        if (!steps[j].disabled) next = steps[j];
      }
      if (next) {
        next.focus();
        next.select();
      } else if (form.requestSubmit) {
        form.requestSubmit();
      } else {
        form.submit();
      }
    });
  });
})();
