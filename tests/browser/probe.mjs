// Loads a secretlens report.html in headless Chromium (the system one) and prints what
// tests/browser.rs and scripts/bench-html.sh check, as JSON on stdout:
//   node tests/browser/probe.mjs REPORT.html [--search TEXT] [--screenshot OUT.png]
// CHROMIUM overrides the browser path (default /usr/bin/chromium).
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const file = args[0];
const shotAt = args.indexOf("--screenshot");
const shot = shotAt === -1 ? null : args[shotAt + 1];
const searchAt = args.indexOf("--search");
const term = searchAt === -1 ? "prod/" : args[searchAt + 1];
if (!file) {
  console.error("usage: node probe.mjs REPORT.html [--screenshot OUT.png]");
  process.exit(2);
}

// PROBE_LOG=1 prints each step's progress on stderr.
const started = Date.now();
const log = process.env.PROBE_LOG ? (m) => console.error(`probe +${Date.now() - started} ms: ${m}`) : () => {};

const profile = mkdtempSync(join(tmpdir(), "secretlens-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1300, height: 900 },
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const out = { console_errors: [], page_errors: [], dialogs: [], csp_violations: [], requests: [] };
try {
  const page = context.pages()[0] || (await context.newPage());
  page.on("console", (m) => { if (m.type() === "error") out.console_errors.push(m.text()); });
  page.on("pageerror", (e) => out.page_errors.push(String(e)));
  page.on("dialog", async (d) => { out.dialogs.push(d.message()); await d.dismiss(); });
  page.on("request", (r) => { if (!r.url().startsWith("file:")) out.requests.push(r.url()); });
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "") + " " + (e.sample || ""));
    });
  });

  const t0 = Date.now();
  await page.goto(pathToFileURL(resolve(file)).href, { waitUntil: "load", timeout: 600000 });
  out.load_ms = Date.now() - t0;
  log("loaded");
  // Wait until the triage script has run (or give up: a page without script stays readable).
  await page.waitForFunction(() => !document.getElementById("triage").hidden, null, { timeout: 300000 }).catch(() => {});
  out.ready_ms = Date.now() - t0;
  log("script ready");

  const state = () => page.evaluate(() => {
    // Hidden by the triage script (itself or an ancestor), or by the stylesheet's row
    // filters (display: none). The cards' content-visibility is lifted while we look: asking
    // for the style of a row inside a skipped card, card by card, is very slow.
    const lazy = [...document.querySelectorAll("#secret-cards > .card")];
    lazy.forEach((c) => { c.style.contentVisibility = "visible"; });
    const vis = (el) => el.closest(".is-out, [hidden]") === null && getComputedStyle(el).display !== "none";
    const rows = [...document.querySelectorAll("tr[data-status], ul.fl > li")];
    const visibleRows = rows.filter(vis).length;
    lazy.forEach((c) => { c.style.contentVisibility = ""; });
    const cards = [...document.querySelectorAll("#secret-cards > article")];
    return {
      rows: rows.length,
      visible_rows: visibleRows,
      cards: cards.length,
      visible_cards: cards.filter(vis).length,
      shown: document.getElementById("f-shown").textContent,
      first_card: cards.length ? cards.find(vis)?.id ?? null : null,
    };
  });
  const base = await page.evaluate(() => ({
    title: document.title,
    pwned: typeof window.__pwned !== "undefined",
    csp: window.__csp,
    scripts: document.scripts.length,
    triage_visible: !document.getElementById("triage").hidden,
    sections: [...document.querySelectorAll("main section[id]")].map((s) => s.id),
    kpis: Object.fromEntries([...document.querySelectorAll(".kpi")].map((k) =>
      [k.querySelector(".kpi-label").textContent, Number(k.querySelector(".kpi-value").textContent)])),
    charts: document.querySelectorAll("svg[role=img]").length,
    details_open: [...document.querySelectorAll("details")].filter((d) => d.open).length,
    details: document.querySelectorAll("details").length,
    injected_elements: document.querySelectorAll("img, iframe, object, embed, script:not(:last-of-type), [onerror], [onclick], [onload]").length,
  }));
  Object.assign(out, base);
  log("base");
  // From the change event until the next frame has been rendered (the filter's real cost),
  // timed in the page. (Not page.selectOption: on a large page Playwright's own element
  // lookup and actionability checks take longer than the filter.) A value is an option's
  // value or its label.
  const frame = () => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
  const settle = async () => { await frame(); await frame(); await page.waitForTimeout(200); };
  const timeChoice = (id, value) => page.evaluate(([id, value]) => new Promise((resolve) => {
    const sel = document.getElementById(id);
    const opt = [...sel.options].find((o) => o.value === value || o.textContent === value);
    const t = performance.now();
    sel.value = opt ? opt.value : value;
    sel.dispatchEvent(new Event("input", { bubbles: true }));
    sel.dispatchEvent(new Event("change", { bubbles: true }));
    requestAnimationFrame(() => setTimeout(() => resolve(Math.round(performance.now() - t)), 0));
  }), [id, value]);
  const choose = async (id, value) => {
    out.last_filter_ms = await timeChoice(id, value);
    log(`${id}=${value}: ${out.last_filter_ms} ms`);
    const s = await state();
    await settle();
    return s;
  };
  // Typing: the search box's 120 ms debounce, the filter and the next frame; less the debounce.
  const search = (text) => page.evaluate((text) => new Promise((resolve) => {
    const q = document.getElementById("f-q");
    const t = performance.now();
    q.value = text;
    q.dispatchEvent(new Event("input", { bubbles: true }));
    setTimeout(() => requestAnimationFrame(() => setTimeout(() => resolve(Math.round(performance.now() - t - 120)), 0)), 121);
  }), text);

  // The timings, on the page as a user gets it: before any state() below, which lifts the
  // cards' content-visibility and leaves seconds of rendering work behind that would land in
  // the next measurement. (The triage script reads the cards' text for the search in the
  // background after load: wait a second for it.)
  await settle();
  await page.waitForTimeout(1000);
  out.filter_ms = await timeChoice("f-status", "fail");
  await settle();
  out.unfilter_ms = await timeChoice("f-status", "");
  await settle();
  out.search_ms = await search(term);
  await settle();
  out.clear_search_ms = await search("");
  await settle();
  log(`timings: filter ${out.filter_ms} ms, unfilter ${out.unfilter_ms} ms, search ${out.search_ms} ms, clear ${out.clear_search_ms} ms`);

  out.initial = await state();
  log("initial state");

  await settle();
  out.by_severity = {};
  for (const sev of ["critical", "high"]) { out.by_severity[sev] = await choose("f-sev", sev); }
  await choose("f-sev", "");
  out.fail_only = await choose("f-status", "fail");
  await choose("f-status", "");
  await search(term);
  out.search = await state();
  await settle();
  await search("");
  await settle();
  out.sorted_by_name = await choose("f-sort", "name");
  await choose("f-sort", "default");
  out.after_reset = await state();
  // Evidence on the secret cards: readable rows and tables, raw JSON only inside the
  // "raw evidence" disclosures (remediation commands, which may hold a JSON argument, aside),
  // the passing findings behind one disclosure that opens, commands beside failing findings.
  // (Skipped on the benchmark's very large pages: it copies every card.)
  out.evidence = await page.evaluate(() => {
    const cards = [...document.querySelectorAll("#secret-cards > article")];
    if (cards.length > 5000) { return { skipped: cards.length }; }
    const rawJson = [];
    for (const c of cards) {
      const copy = c.cloneNode(true);
      copy.querySelectorAll("details.raw-evidence, .fix").forEach((e) => e.remove());
      const t = copy.textContent;
      for (const needle of ['{"', "[{"]) {
        const at = t.indexOf(needle);
        if (at !== -1) { rawJson.push(c.id + ": " + t.slice(Math.max(0, at - 80), at + 80)); }
      }
    }
    const tables = [...document.querySelectorAll("#secret-cards table.evt")];
    const heads = (t) => [...t.querySelectorAll("th")].map((th) => th.textContent);
    const cellDate = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC \(/;
    const rows = [...document.querySelectorAll("#secret-cards dl.evd")];
    return {
      raw_json_outside: rawJson,
      raw_disclosures: document.querySelectorAll("#secret-cards details.raw-evidence").length,
      raw_disclosures_with_json: [...document.querySelectorAll("#secret-cards details.raw-evidence code")]
        .filter((c) => /^[{[]/.test(c.textContent)).length,
      evidence_lists: rows.length,
      rfc3339_outside: rows.filter((r) => /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(r.textContent)).length,
      tables: tables.length,
      tables_with_dates: tables.filter((t) => [...t.querySelectorAll("td > div")].some((d) => cellDate.test(d.textContent))).length,
      reader_tables: tables.filter((t) => heads(t).slice(0, 4).join("|") === "Principal|Kind|Access|Granting statements").length,
      failing_rows: document.querySelectorAll("#secret-cards li.sf").length,
      failing_with_fix: [...document.querySelectorAll("#secret-cards li.sf")]
        .filter((li) => /^(aws|secretlens) /.test(li.querySelector(":scope > .fix pre code")?.textContent ?? "")).length,
      passing_disclosures: document.querySelectorAll("#secret-cards details.passing").length,
      passing_outside: document.querySelectorAll("#secret-cards > article > ul.fl > li.sp:not(.cr), #secret-cards > article > ul.fl > li.sn").length,
      passing_summaries: [...document.querySelectorAll("#secret-cards details.passing > summary")].map((s) => s.textContent),
    };
  });
  // Open the first passing disclosure by clicking its summary: its rows become visible.
  const passing = page.locator("#secret-cards details.passing").first();
  if (await passing.count()) {
    const firstRow = () => passing.evaluate((d) => d.querySelector("li").checkVisibility());
    out.evidence.passing_row_visible_before = await firstRow();
    await passing.locator(":scope > summary").click();
    out.evidence.passing_open_after_click = await passing.evaluate((d) => d.open);
    out.evidence.passing_row_visible_after = await firstRow();
  }
  log("evidence");
  out.pwned_after = await page.evaluate(() => typeof window.__pwned !== "undefined");
  out.csp_after = await page.evaluate(() => window.__csp);
  if (shot) {
    await page.screenshot({ path: shot, fullPage: false });
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(out, null, 1) + "\n");
