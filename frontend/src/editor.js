// The query editor of r2pkg: CodeMirror 6 with a SPARQL mode, completion of the prefixes the
// server declares and of the graph's own classes and properties (from /editor/vocabulary.json,
// served by the app: nothing is fetched from elsewhere), Ctrl+Enter to run, a results table
// that pages and sorts and never runs off the page, the server's truncation notice, the
// query's time, downloads fitted to the query form, a shareable link and a history.
// No inline script or style attribute is written, so a strict Content-Security-Policy holds.
import "./csp-styles.js"; // first: CodeMirror's styles without an inline <style> element
import { autocompletion, closeBrackets, completionKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { bracketMatching, defaultHighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { EditorState } from "@codemirror/state";
import { drawSelection, EditorView, highlightActiveLine, keymap, lineNumbers } from "@codemirror/view";
import { sparql } from "codemirror-lang-sparql";

import { renderAnswer } from "./results.js";
import { completionSource } from "./completion.js";
import { queryForm, downloadsFor } from "./forms.js";
import { remember, recalled } from "./history.js";

const BASE = "https://w3id.org/r2pkg/";

function start() {
  const form = document.getElementById("query-form");
  const textarea = document.getElementById("query");
  if (!form || !textarea) { return; }
  const results = document.getElementById("results");
  const errorBox = document.getElementById("query-error");
  const status = document.getElementById("query-status");
  const share = document.getElementById("share");
  const downloads = document.getElementById("downloads");
  const historyBox = document.getElementById("history");
  const vocabulary = { prefixes: {}, classes: [], properties: [] };

  const host = document.createElement("div");
  host.id = "query-editor";
  host.className = "query-editor";
  textarea.hidden = true;
  textarea.parentNode.insertBefore(host, textarea);

  const view = new EditorView({
    parent: host,
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        lineNumbers(), history(), drawSelection(), highlightActiveLine(), bracketMatching(),
        closeBrackets(), syntaxHighlighting(defaultHighlightStyle, { fallback: true }), sparql(),
        autocompletion({ override: [completionSource(vocabulary)], activateOnTyping: true }),
        keymap.of([
          { key: "Mod-Enter", run: () => { run(); return true; }, preventDefault: true },
          ...completionKeymap, ...defaultKeymap, ...historyKeymap, indentWithTab,
        ]),
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ "aria-label": "SPARQL query", spellcheck: "false" }),
        EditorView.updateListener.of((update) => { if (update.docChanged) { changed(); } }),
      ],
    }),
  });

  function text() { return view.state.doc.toString(); }

  function shareUrl() { return location.origin + "/?query=" + encodeURIComponent(text()) + "#editor"; }

  function changed() {
    textarea.value = text();
    share.href = shareUrl();
    downloadsFor(downloads, text(), queryForm(text()));
  }

  function showError(message) {
    results.textContent = "";
    errorBox.hidden = false;
    errorBox.textContent = message;
  }

  function fillHistory() {
    historyBox.textContent = "";
    const first = document.createElement("option");
    first.value = "";
    first.textContent = "History…";
    historyBox.appendChild(first);
    recalled().forEach((item, i) => {
      const option = document.createElement("option");
      option.value = String(i);
      option.textContent = new Date(item.at).toLocaleString() + " · " + item.query.replace(/\s+/g, " ").slice(0, 80);
      historyBox.appendChild(option);
    });
  }

  async function run(event) {
    if (event) { event.preventDefault(); }
    const query = text();
    const form = queryForm(query);
    errorBox.hidden = true;
    status.textContent = "Running…";
    results.textContent = "";
    remember(query);
    fillHistory();
    window.history.replaceState(null, "", "/?query=" + encodeURIComponent(query) + "#editor");
    const accept = form === "CONSTRUCT" || form === "DESCRIBE"
      ? "text/turtle" : "application/sparql-results+json";
    const started = performance.now();
    let response;
    try {
      response = await fetch("/sparql", {
        method: "POST",
        headers: { "Content-Type": "application/sparql-query", "Accept": accept },
        body: query,
      });
    } catch (err) {
      status.textContent = "";
      showError("The query could not be sent: " + err);
      return;
    }
    const elapsed = performance.now() - started;
    if (!response.ok) {
      status.textContent = "";
      let message = "The server answered " + response.status + ".";
      try {
        const body = await response.json();
        message = body.error.message + (body.error.hint ? "\n" + body.error.hint : "");
      } catch (ignored) { /* not JSON: keep the status */ }
      showError(message);
      return;
    }
    const timing = /dur=([\d.]+)/.exec(response.headers.get("Server-Timing") || "");
    const cut = response.headers.get("X-R2pkg-Truncated");
    const type = response.headers.get("Content-Type") || "";
    const body = type.indexOf("json") >= 0 ? await response.json() : await response.text();
    const count = renderAnswer(results, body, vocabulary.prefixes, BASE);
    status.textContent = count + " in " + Math.round(elapsed) + " ms"
      + (timing ? " (" + Number(timing[1]).toFixed(1) + " ms on the server)" : "") + ".";
    status.dataset.ms = String(Math.round(elapsed));
    if (cut) {
      const notice = document.createElement("p");
      notice.id = "truncated-notice";
      notice.className = "notice";
      notice.textContent = "The answer was cut at " + cut + " rows, the server's limit: it is not complete. "
        + "Add LIMIT and OFFSET, or narrow the query, to see the rest.";
      results.insertBefore(notice, results.firstChild);
    }
  }

  form.addEventListener("submit", run);
  document.getElementById("copy-link").addEventListener("click", () => {
    if (navigator.clipboard) { navigator.clipboard.writeText(shareUrl()).catch(() => {}); }
  });
  historyBox.addEventListener("change", () => {
    const item = recalled()[Number(historyBox.value)];
    if (item) { view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: item.query } }); }
    historyBox.value = "";
  });
  fillHistory();
  changed();
  fetch("/editor/vocabulary.json").then((r) => r.json()).then((data) => {
    Object.assign(vocabulary, data);
  }).catch(() => { /* completion of keywords still works */ });
  if (new URLSearchParams(location.search).get("query")) { run(); }
  window.r2pkgEditor = view; // for people who script their browser, and for the tests
}

if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
