// secretlens report: triage filters, sorting and print expansion. Allowed by the page's
// Content-Security-Policy through its SHA-256 hash. It reads data-* attributes, toggles a
// class and the hidden attribute, reorders existing nodes and sets textContent to numbers:
// it never parses or inserts markup.
(function () {
  "use strict";
  var d = document;
  var form = d.getElementById("triage");
  if (!form) { return; }
  var all = function (sel, root) { return Array.prototype.slice.call((root || d).querySelectorAll(sel)); };

  // Long prose is open without JavaScript; fold it on screen, unfold it for print.
  all("details[data-fold]").forEach(function (el) { el.open = false; });
  var before = [];
  window.addEventListener("beforeprint", function () {
    before = all("details").map(function (el) { var o = el.open; el.open = true; return [el, o]; });
  });
  window.addEventListener("afterprint", function () {
    before.forEach(function (p) { p[0].open = p[1]; });
    before = [];
  });

  var keys = ["sev", "status", "cat", "region", "account", "change"];
  var controls = {};
  keys.forEach(function (k) { controls[k] = d.getElementById("f-" + k); });
  var query = d.getElementById("f-q");
  var sorter = d.getElementById("f-sort");
  var shown = d.getElementById("f-shown");

  var units = all("[data-unit]").map(function (el) {
    var head = all("[data-head]", el).map(function (h) { return h.textContent; }).join(" ");
    return { el: el, head: head.toLowerCase(), rows: 0, hit: false };
  });
  // Rows by unit (one query per unit rather than a closest() per row: large reports have
  // hundreds of thousands of rows).
  var rowEls = [];
  units.forEach(function (u) {
    var list = u.el.querySelectorAll("tr[data-status]");
    for (var i = 0; i !== list.length; i += 1) { rowEls.push([list[i], u]); }
  });
  var every = d.querySelectorAll("tr[data-status]");
  if (every.length !== rowEls.length) {
    all("tr[data-status]").forEach(function (el) { if (!el.closest("[data-unit]")) { rowEls.push([el, null]); } });
  }
  var rows = rowEls.map(function (p) {
    var el = p[0];
    var u = p[1];
    var unitEl = u ? u.el : null;
    var v = {};
    keys.forEach(function (k) {
      var own = el.getAttribute("data-" + k);
      v[k] = own !== null ? own : (unitEl ? unitEl.getAttribute("data-" + k) : null);
    });
    if (u) { u.rows += 1; }
    return { el: el, unit: u, v: v, text: null };
  });
  var index = all("tr[data-for]").map(function (tr) { return [tr, d.getElementById(tr.getAttribute("data-for"))]; });
  var total = rows.length;

  // A value is one of our tokens, or (grouped rows) a space-separated list of them.
  function matches(values, f) {
    for (var i = 0; i !== keys.length; i += 1) {
      var k = keys[i];
      var v = values[k];
      if (f[k] && v !== f[k] && (v === null || (" " + v + " ").indexOf(" " + f[k] + " ") === -1)) { return false; }
    }
    return true;
  }

  function setOut(el, out) {
    if (el.classList.contains("is-out") !== out) { el.classList.toggle("is-out", out); }
  }

  function apply() {
    var f = {};
    var active = false;
    keys.forEach(function (k) { f[k] = controls[k] ? controls[k].value : ""; active = active || f[k] !== ""; });
    var needle = query.value.trim().toLowerCase();
    active = active || needle !== "";
    units.forEach(function (u) { u.hit = false; });
    var n = 0;
    rows.forEach(function (r) {
      var ok = matches(r.v, f);
      if (ok && needle) {
        if (r.text === null) { r.text = r.el.textContent.toLowerCase(); }
        ok = r.text.indexOf(needle) !== -1 || (r.unit !== null && r.unit.head.indexOf(needle) !== -1);
      }
      setOut(r.el, !ok);
      if (ok) {
        n += 1;
        if (r.unit) { r.unit.hit = true; }
      }
    });
    units.forEach(function (u) {
      var visible;
      if (!active) {
        visible = true;
      } else if (u.rows !== 0) {
        visible = u.hit;
      } else {
        var own = {};
        keys.forEach(function (k) { own[k] = u.el.getAttribute("data-" + k); });
        visible = matches(own, f) && (!needle || u.head.indexOf(needle) !== -1);
      }
      setOut(u.el, !visible);
    });
    index.forEach(function (p) {
      setOut(p[0], p[1] !== null && p[1].classList.contains("is-out"));
    });
    shown.textContent = active ? n + " of " + total + " finding rows match" : total + " finding rows";
  }

  function sortBy(key) {
    var attr = "data-o-" + key;
    [d.getElementById("secret-cards"), d.querySelector("#secret-index tbody")].forEach(function (parent) {
      if (!parent) { return; }
      var items = Array.prototype.slice.call(parent.children).filter(function (el) { return el.hasAttribute(attr); });
      items.sort(function (a, b) { return Number(a.getAttribute(attr)) - Number(b.getAttribute(attr)); });
      items.forEach(function (el) { parent.appendChild(el); });
    });
  }

  var timer = 0;
  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(apply, 120);
  }
  form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
  form.addEventListener("input", function (e) { if (e.target === query) { later(); } else if (e.target !== sorter) { apply(); } });
  form.addEventListener("change", function (e) { if (e.target === sorter) { sortBy(sorter.value); } else if (e.target !== query) { apply(); } });
  form.addEventListener("reset", function () {
    window.setTimeout(function () { apply(); sortBy(sorter.value); }, 0);
  });
  form.hidden = false;
  apply();
}());
