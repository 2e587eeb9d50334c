// secretlens report: triage filters, sorting and print expansion. Allowed by the page's
// Content-Security-Policy through its SHA-256 hash. It reads data-* attributes and text,
// toggles classes and the hidden attribute, reorders existing nodes and sets textContent to
// numbers: it never parses or inserts markup.
//
// Secret cards (most of a large page) are filtered as wholes: a card's data-k holds one
// 4-character token per finding (status, severity, category and change codes), matched with
// one regular expression; the rows inside shown cards are hidden by the stylesheet from the
// q-* classes this script puts on #secret-cards. Other tables (checks, changes, other
// resources) are filtered row by row.
(function () {
  "use strict";
  var d = document;
  var form = d.getElementById("triage");
  if (!form) { return; }
  var all = function (sel, root) { return Array.prototype.slice.call((root || d).querySelectorAll(sel)); };

  // Long prose is open without JavaScript; fold it on screen, unfold it for print (all but
  // the raw evidence JSON, which the printed rows already say).
  all("details[data-fold]").forEach(function (el) { el.open = false; });
  var before = [];
  window.addEventListener("beforeprint", function () {
    before = all("details:not(.raw-evidence)").map(function (el) { var o = el.open; el.open = true; return [el, o]; });
  });
  window.addEventListener("afterprint", function () {
    before.forEach(function (p) { p[0].open = p[1]; });
    before = [];
  });

  // Per-finding keys (in data-k token order), then per-resource keys.
  var rowKeys = ["status", "sev", "cat", "change"];
  var keys = rowKeys.concat(["region", "account"]);
  var qPrefix = { status: "q-s", sev: "q-v", cat: "q-k", change: "q-c" };
  var controls = {};
  keys.forEach(function (k) { controls[k] = d.getElementById("f-" + k); });
  var query = d.getElementById("f-q");
  var sorter = d.getElementById("f-sort");
  var shown = d.getElementById("f-shown");

  // Secret cards.
  var box = d.getElementById("secret-cards");
  var cards = [];
  if (box) {
    var kids = box.children;
    for (var i = 0; i !== kids.length; i += 1) {
      var el = kids[i];
      cards.push({
        el: el, pos: i, k: el.getAttribute("data-k") || "",
        r: el.getAttribute("data-r"), a: el.getAttribute("data-a"),
        text: null, out: false, name: null
      });
    }
  }
  var index = {};
  all("tr[data-for]").forEach(function (tr) { index[tr.getAttribute("data-for")] = tr; });
  var indexBody = d.querySelector("#secret-index tbody");

  // The card's text, for the search (read once; warmed up in the background after load).
  function text(c) {
    if (c.text === null) { c.text = c.el.textContent.toLowerCase(); }
    return c.text;
  }
  var warm = 0;
  function warmUp() {
    var end = Math.min(warm + 400, cards.length);
    for (; warm < end; warm += 1) { text(cards[warm]); }
    if (warm < cards.length) { window.setTimeout(warmUp, 0); }
  }

  // Other units: rows with their own data-* (or their unit's), as before.
  var units = all("[data-unit]").map(function (el) {
    var head = all("[data-head]", el).map(function (h) { return h.textContent; }).join(" ");
    return { el: el, head: head.toLowerCase(), rows: 0, hit: false };
  });
  var rows = [];
  units.forEach(function (u) {
    all("tr[data-status]", u.el).forEach(function (el) {
      var v = {};
      keys.forEach(function (k) {
        var own = el.getAttribute("data-" + k);
        v[k] = own !== null ? own : u.el.getAttribute("data-" + k);
      });
      u.rows += 1;
      rows.push({ el: el, unit: u, v: v, text: null });
    });
  });

  // A value is one of our codes, or (grouped rows) a space-separated list of them.
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
    keys.forEach(function (k) {
      var v = controls[k] ? controls[k].value : "";
      f[k] = /^[a-z0-9]*$/.test(v) ? v : "";
      active = active || f[k] !== "";
    });
    var needle = query.value.trim().toLowerCase();
    active = active || needle !== "";

    // Secret cards: one regular expression over each card's tokens.
    var pattern = "";
    var q = [];
    rowKeys.forEach(function (k) {
      // "x" in a token (a compact card's counts row) matches any severity and category,
      // when the status filter asks for pass or n/a.
      pattern += !f[k] ? "." : ((k === "sev" || k === "cat") && (f.status === "p" || f.status === "n") ? "[" + f[k] + "x]" : f[k]);
      if (f[k]) { q.push(qPrefix[k] + f[k]); }
    });
    var re = q.length ? new RegExp("^(?:....)*" + pattern) : null;
    if (box) { box.className = ["js"].concat(q).join(" "); }
    var n = 0;
    for (var i = 0; i !== cards.length; i += 1) {
      var c = cards[i];
      var ok = (!f.region || c.r === f.region) && (!f.account || c.a === f.account) &&
        (re === null || re.test(c.k)) && (!needle || text(c).indexOf(needle) !== -1);
      if (ok) { n += 1; }
      if (c.out === ok) {
        c.out = !ok;
        c.el.classList.toggle("is-out", !ok);
        var tr = index[c.el.id];
        if (tr) { tr.classList.toggle("is-out", !ok); }
      }
    }

    // Other units, row by row.
    units.forEach(function (u) { u.hit = false; });
    rows.forEach(function (r) {
      var ok = matches(r.v, f);
      if (ok && needle) {
        if (r.text === null) { r.text = r.el.textContent.toLowerCase(); }
        ok = r.text.indexOf(needle) !== -1 || r.unit.head.indexOf(needle) !== -1;
      }
      setOut(r.el, !ok);
      if (ok) { r.unit.hit = true; }
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
    shown.textContent = active ? n + " of " + cards.length + " secrets match" : cards.length + " secrets";
  }

  // Sort keys, computed on first use: the server's order (worst first), the name, the number
  // of failing findings (tokens starting with "f") and the region (its r<N> token follows the
  // regions' names).
  function name(c) {
    if (c.name === null) {
      var h = c.el.querySelector("h3");
      c.name = (h ? h.textContent : "") + "\u0000" + c.el.id;
    }
    return c.name;
  }
  function fails(c) {
    var n = 0;
    for (var i = 0; i < c.k.length; i += 4) { if (c.k.charAt(i) === "f") { n += 1; } }
    return n;
  }
  function cmp(a, b) { return a < b ? -1 : (a > b ? 1 : 0); }
  var orders = {
    "default": function (a, b) { return a.pos - b.pos; },
    name: function (a, b) { return cmp(name(a), name(b)); },
    fail: function (a, b) { return (fails(b) - fails(a)) || cmp(name(a), name(b)); },
    region: function (a, b) {
      return (Number((a.r || "r0").slice(1)) - Number((b.r || "r0").slice(1))) || cmp(name(a), name(b));
    }
  };
  function sortBy(key) {
    if (!box) { return; }
    var sorted = cards.slice().sort(orders[key] || orders["default"]);
    var frag = d.createDocumentFragment();
    sorted.forEach(function (c) { frag.appendChild(c.el); });
    box.appendChild(frag);
    if (indexBody) {
      var rowsFrag = d.createDocumentFragment();
      sorted.forEach(function (c) { var tr = index[c.el.id]; if (tr) { rowsFrag.appendChild(tr); } });
      indexBody.appendChild(rowsFrag);
    }
  }

  // A compact card names its checks in <b>: a click jumps to the check's card.
  if (box) {
    box.addEventListener("click", function (e) {
      var t = e.target;
      if (t && t.tagName === "B" && /^[A-Za-z]+[0-9]+$/.test(t.textContent)) {
        window.location.hash = "check-" + t.textContent.toLowerCase();
      }
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
  window.setTimeout(warmUp, 0);
}());
