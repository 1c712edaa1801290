// Completion: SPARQL keywords, the prefixes the server declares (as PREFIX lines after the
// word PREFIX, as "p:" elsewhere), and under every one of those prefixes the names it holds:
// the graph's own classes and properties, the standard vocabularies' terms and the graph's
// individuals, by prefixed name with their labels, so "r2p:Ca" offers r2p:Case ("case"),
// "rdfs:lab" rdfs:label and "case:rw" case:rwanda-1994.

const KEYWORDS = ["SELECT", "DISTINCT", "WHERE", "FILTER", "OPTIONAL", "UNION", "MINUS", "BIND", "VALUES",
  "ORDER BY", "GROUP BY", "HAVING", "LIMIT", "OFFSET", "ASK", "CONSTRUCT", "DESCRIBE", "PREFIX", "COUNT",
  "GROUP_CONCAT", "SAMPLE", "EXISTS", "NOT EXISTS", "LANG", "LANGMATCHES", "REGEX", "CONTAINS", "STR",
  "LCASE", "UCASE", "STRSTARTS", "ASC", "DESC", "AS"];

/** The prefixed name of an IRI under the longest declared namespace, or null. */
export function prefixed(iri, prefixes) {
  let best = null;
  for (const [prefix, ns] of Object.entries(prefixes)) {
    if (iri.startsWith(ns) && (!best || ns.length > best[1].length)) { best = [prefix, ns]; }
  }
  if (!best) { return null; }
  const local = iri.slice(best[1].length);
  return /^[\w-]*$/.test(local) ? best[0] + ":" + local : null;
}

export function completionSource(vocabulary) {
  return (context) => {
    const line = context.state.doc.lineAt(context.pos);
    const before = line.text.slice(0, context.pos - line.from);
    const word = context.matchBefore(/[A-Za-z_][\w-]*:?[\w-]*/);
    if (/^\s*PREFIX\s+[\w-]*$/i.test(before)) {
      const from = word ? word.from : context.pos;
      return {
        from,
        options: Object.entries(vocabulary.prefixes).map(([p, ns]) => ({
          label: p + ": <" + ns + ">", type: "namespace", detail: "declared by the server",
        })),
      };
    }
    if (!word || (word.from === word.to && !context.explicit)) { return null; }
    const options = [];
    for (const [p, ns] of Object.entries(vocabulary.prefixes)) {
      options.push({ label: p + ":", type: "namespace", detail: ns, boost: -1 });
    }
    for (const [kind, terms] of [["class", vocabulary.classes], ["property", vocabulary.properties],
      ["constant", vocabulary.individuals]]) {
      for (const term of terms || []) {
        const name = prefixed(term.iri, vocabulary.prefixes);
        if (name) { options.push({ label: name, type: kind, detail: term.label || "", info: term.definition || undefined }); }
      }
    }
    if (word.text.indexOf(":") < 0) {
      for (const k of KEYWORDS) { options.push({ label: k, type: "keyword", boost: -2 }); }
    }
    return { from: word.from, options, validFor: /^[\w-]*:?[\w-]*$/ };
  };
}
