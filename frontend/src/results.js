// The answer: a table that pages and sorts in the browser and scrolls inside its own box
// (so sixteen columns never run off the page), a true/false for ASK, the text for a graph.
import { prefixed } from "./completion.js";

const PAGE_SIZES = [25, 50, 100, 500];

function localHref(iri, base) {
  if (iri.startsWith(base + "id/")) { return "/id/" + iri.slice((base + "id/").length); }
  if (iri.startsWith(base + "ontology#")) { return "/ontology/" + iri.slice((base + "ontology#").length); }
  // only http(s) IRIs become links: IRI("javascript:alert(1)") must stay text
  return /^https?:\/\//i.test(iri) ? iri : null;
}

function cell(term, prefixes, base) {
  const td = document.createElement("td");
  if (!term) { return td; }
  const href = term.type === "uri" ? localHref(term.value, base) : null;
  if (href) {
    const a = document.createElement("a");
    a.href = href;
    a.title = term.value;
    a.textContent = prefixed(term.value, prefixes) || term.value;
    td.appendChild(a);
  } else if (term.type === "uri") {
    td.textContent = prefixed(term.value, prefixes) || term.value;
    td.title = term.value;
  } else if (term.type === "bnode") {
    td.textContent = "(blank node)";
    td.title = "_:" + term.value;
    td.className = "bnode";
  } else {
    td.textContent = term.value;
    const tag = term["xml:lang"] ? "@" + term["xml:lang"]
      : term.datatype && !term.datatype.endsWith("#string") ? prefixed(term.datatype, prefixes) || term.datatype : "";
    if (tag) {
      const small = document.createElement("small");
      small.className = "term-tag";
      small.textContent = " " + tag;
      td.appendChild(small);
    }
  }
  return td;
}

function sortKey(term) {
  if (!term) { return [2, ""]; }
  const n = Number(term.value);
  if (term.datatype && /#(integer|decimal|double|float|int|long)$/.test(term.datatype) && !Number.isNaN(n)) {
    return [0, n];
  }
  return [1, term.value.toLowerCase()];
}

function compare(a, b) {
  if (a[0] !== b[0]) { return a[0] - b[0]; }
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

function button(id, label, disabled, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.id = id;
  b.textContent = label;
  b.disabled = disabled;
  b.addEventListener("click", onClick);
  return b;
}

function table(container, vars, rows, prefixes, base) {
  const state = { page: 0, size: 50, column: null, descending: false };
  const order = rows.slice();
  const box = document.createElement("div");
  box.className = "table-scroll";
  const pager = document.createElement("div");
  pager.className = "pager";
  pager.id = "pager";
  container.appendChild(box);
  container.appendChild(pager);

  function sortBy(v) {
    state.descending = state.column === v ? !state.descending : false;
    state.column = v;
    order.sort((x, y) => compare(sortKey(x[v]), sortKey(y[v])) * (state.descending ? -1 : 1));
    state.page = 0;
    draw();
  }

  function draw() {
    const pages = Math.max(1, Math.ceil(order.length / state.size));
    state.page = Math.min(state.page, pages - 1);
    const t = document.createElement("table");
    t.className = "results";
    t.id = "results-table";
    const head = document.createElement("tr");
    for (const v of vars) {
      const th = document.createElement("th");
      const b = document.createElement("button");
      b.type = "button";
      b.className = "sort";
      b.textContent = v + (state.column === v ? (state.descending ? " ▼" : " ▲") : "");
      b.title = "sort by " + v;
      b.addEventListener("click", () => sortBy(v));
      th.setAttribute("aria-sort", state.column === v ? (state.descending ? "descending" : "ascending") : "none");
      th.appendChild(b);
      head.appendChild(th);
    }
    const thead = document.createElement("thead");
    thead.appendChild(head);
    t.appendChild(thead);
    const body = document.createElement("tbody");
    for (const row of order.slice(state.page * state.size, (state.page + 1) * state.size)) {
      const tr = document.createElement("tr");
      for (const v of vars) { tr.appendChild(cell(row[v], prefixes, base)); }
      body.appendChild(tr);
    }
    t.appendChild(body);
    box.textContent = "";
    box.appendChild(t);

    pager.textContent = "";
    pager.appendChild(button("page-prev", "‹ Previous", state.page === 0, () => { state.page -= 1; draw(); }));
    const info = document.createElement("span");
    info.id = "page-info";
    const first = order.length ? state.page * state.size + 1 : 0;
    info.textContent = "rows " + first + "–" + Math.min(order.length, (state.page + 1) * state.size)
      + " of " + order.length + " · page " + (state.page + 1) + " of " + pages;
    pager.appendChild(info);
    pager.appendChild(button("page-next", "Next ›", state.page >= pages - 1, () => { state.page += 1; draw(); }));
    const label = document.createElement("label");
    label.textContent = "rows per page ";
    const select = document.createElement("select");
    select.id = "page-size";
    for (const n of PAGE_SIZES) {
      const o = document.createElement("option");
      o.value = String(n);
      o.textContent = String(n);
      o.selected = n === state.size;
      select.appendChild(o);
    }
    select.addEventListener("change", () => { state.size = Number(select.value); state.page = 0; draw(); });
    label.appendChild(select);
    pager.appendChild(label);
  }
  draw();
}

/** Shows an answer in the container; returns how many rows (or what) it was, for the status line. */
export function renderAnswer(container, body, prefixes, base) {
  container.textContent = "";
  if (typeof body === "string") {
    const pre = document.createElement("pre");
    pre.className = "graph-answer";
    pre.textContent = body;
    container.appendChild(pre);
    return "a graph";
  }
  if (typeof body.boolean === "boolean") {
    const p = document.createElement("p");
    p.className = "answer";
    p.id = "ask-answer";
    p.textContent = String(body.boolean);
    container.appendChild(p);
    return "an answer";
  }
  const rows = body.results.bindings;
  table(container, body.head.vars, rows, prefixes, base);
  return rows.length + (rows.length === 1 ? " row" : " rows");
}
