// The query form (SELECT, ASK, CONSTRUCT, DESCRIBE) and the downloads that fit it: a table
// downloads as JSON, XML, CSV or TSV; a graph as Turtle, JSON-LD or N-Triples. Each link asks
// /sparql with format=…, and the server names the file (Content-Disposition).

const TABLE_FORMATS = [["csv", "CSV"], ["tsv", "TSV"], ["json", "JSON"], ["xml", "XML"]];
const GRAPH_FORMATS = [["turtle", "Turtle"], ["jsonld", "JSON-LD"], ["ntriples", "N-Triples"]];

/** The form of a query, read past its prologue, IRIs, strings and comments. */
export function queryForm(text) {
  const bare = text
    .replace(/<[^<>\s]*>/g, " ")
    .replace(/"""[\s\S]*?"""|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, " ")
    .replace(/#[^\n]*/g, " ");
  const m = /\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b/i.exec(bare);
  return m ? m[1].toUpperCase() : "SELECT";
}

export function downloadsFor(box, text, form) {
  box.textContent = "Download: ";
  const formats = form === "CONSTRUCT" || form === "DESCRIBE" ? GRAPH_FORMATS : TABLE_FORMATS;
  formats.forEach(([format, title], i) => {
    if (i) { box.appendChild(document.createTextNode(" ")); }
    const a = document.createElement("a");
    a.dataset.format = format;
    a.href = "/sparql?query=" + encodeURIComponent(text) + "&format=" + format;
    a.textContent = title;
    box.appendChild(a);
  });
}
