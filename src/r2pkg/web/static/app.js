// The query editor: runs the query against /sparql, shows a table or the error with its
// position, and keeps the URL shareable. No external assets: this file is all there is.
(function () {
  "use strict";
  var form = document.getElementById("query-form");
  if (!form) { return; }
  var textarea = document.getElementById("query");
  var results = document.getElementById("results");
  var errorBox = document.getElementById("query-error");

  function endpointUrl(format) {
    return "/sparql?query=" + encodeURIComponent(textarea.value) + (format ? "&format=" + format : "");
  }

  function localHref(iri) {
    var base = "https://w3id.org/r2pkg/";
    if (iri.indexOf(base + "id/") === 0) { return "/id/" + iri.slice((base + "id/").length); }
    if (iri.indexOf(base + "ontology#") === 0) { return "/ontology/" + iri.slice((base + "ontology#").length); }
    // only http(s) IRIs become links: IRI("javascript:alert(1)") must stay text
    return /^https?:\/\//i.test(iri) ? iri : null;
  }

  function cell(term) {
    var td = document.createElement("td");
    if (!term) { return td; }
    var href = term.type === "uri" ? localHref(term.value) : null;
    if (href) {
      var a = document.createElement("a");
      a.href = href;
      a.textContent = term.value;
      td.appendChild(a);
    } else {
      td.textContent = term.value;
    }
    return td;
  }

  function showTable(data) {
    results.innerHTML = "";
    if (typeof data.boolean === "boolean") {
      var p = document.createElement("p");
      p.className = "answer";
      p.textContent = String(data.boolean);
      results.appendChild(p);
      return;
    }
    var table = document.createElement("table");
    table.className = "results";
    table.id = "results-table";
    var head = document.createElement("tr");
    data.head.vars.forEach(function (v) {
      var th = document.createElement("th");
      th.textContent = v;
      head.appendChild(th);
    });
    table.appendChild(head);
    data.results.bindings.forEach(function (row) {
      var tr = document.createElement("tr");
      data.head.vars.forEach(function (v) { tr.appendChild(cell(row[v])); });
      table.appendChild(tr);
    });
    results.appendChild(table);
    var count = document.createElement("p");
    count.textContent = data.results.bindings.length + " row(s)";
    results.appendChild(count);
  }

  function run(event) {
    if (event) { event.preventDefault(); }
    errorBox.hidden = true;
    results.textContent = "Running…";
    history.replaceState(null, "", "/?query=" + encodeURIComponent(textarea.value) + "#editor");
    fetch("/sparql", {
      method: "POST",
      headers: { "Content-Type": "application/sparql-query",
                 "Accept": "application/sparql-results+json, text/turtle;q=0.9" },
      body: textarea.value
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (!response.ok) {
        return response.json().then(function (body) {
          results.textContent = "";
          errorBox.hidden = false;
          errorBox.textContent = body.error.message + (body.error.hint ? "\n" + body.error.hint : "");
        });
      }
      if (type.indexOf("json") >= 0) { return response.json().then(showTable); }
      return response.text().then(function (text) {
        results.innerHTML = "";
        var pre = document.createElement("pre");
        pre.textContent = text;
        results.appendChild(pre);
      });
    }).catch(function (err) {
      results.textContent = "";
      errorBox.hidden = false;
      errorBox.textContent = "The query could not be sent: " + err;
    });
  }

  form.addEventListener("submit", run);
  document.getElementById("share").addEventListener("click", function (e) {
    e.currentTarget.href = "/?query=" + encodeURIComponent(textarea.value) + "#editor";
  });
  Array.prototype.forEach.call(document.querySelectorAll("#downloads a"), function (a) {
    a.addEventListener("click", function () { a.href = endpointUrl(a.getAttribute("data-format")); });
  });
  if (new URLSearchParams(location.search).get("query")) { run(); }
}());
