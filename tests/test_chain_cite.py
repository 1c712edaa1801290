"""Chains a lawyer can cite: BibTeX and RIS exports, whole labels, a legend, dashed inferred hops,
sources on the connection view, the official text at the root, and a reason where there is no chain."""

from __future__ import annotations

import json
import re
from pathlib import Path

import bibtexparser
import pytest
from rdflib import URIRef
from rdflib.namespace import DCTERMS, RDF

from r2pkg.chain_cite import chain_sources
from r2pkg.chains import authority_chains, graph_index
from r2pkg.chains_svg import chain_svg, timeline_svg, wrap
from r2pkg.cli import main
from r2pkg.namespaces import R2P
from r2pkg.store import Store, bundled_files, open_store, project_root

SAPG = "mandate:special-adviser-prevention-of-genocide"


def _expected_sources(store: Store, found: dict) -> set[str]:
    """Every publication and UN document the chain passes through or cites as evidence."""
    g = store.graph
    wanted: set[str] = set()

    def add(iri: str | None) -> None:
        node = None if iri is None else URIRef(iri)
        while node is not None:
            if (node, RDF.type, R2P.Publication) in g or (node, R2P.symbol, None) in g or (node, DCTERMS.title, None) in g:
                wanted.add(str(node))
                return
            node = g.value(node, R2P.partOf)

    for chain in found["chains"] + found["partial"]:
        for hop in chain["hops"]:
            add(hop["from"]["iri"])
            add(hop["to"]["iri"])
            for e in hop["evidence"] + [e for alt in hop["alternatives"] for e in alt["evidence"]]:
                add(e["source"])
    return wanted


def _strict_bibtex_entries(text: str) -> list[tuple[str, str, str]]:
    """A strict reading: every entry is @type{key, fields}, braces balance, nothing else but % lines."""
    entries, i = [], 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        if text[i] == "%":
            i = text.index("\n", i) + 1
            continue
        m = re.compile(r"@([a-z]+)\{([A-Za-z0-9_:-]+),").match(text, i)
        assert m, f"not an entry at offset {i}: {text[i:i + 40]!r}"
        depth, j = 1, m.end()
        while depth:
            if text[j] == "\\":
                j += 2
                continue
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        entries.append((m.group(1), m.group(2), text[m.end():j - 1]))
        i = j
    return entries


def test_cli_bibtex_of_the_special_adviser_parses_with_every_source(runner, oxigraph_store):
    result = runner.invoke(main, ["chain", SAPG, "--format", "bibtex"])
    assert result.exit_code == 0, result.output
    strict = _strict_bibtex_entries(result.output)
    database = bibtexparser.loads(result.output)
    assert len(database.entries) == len(strict) >= 4
    found = authority_chains(graph_index(oxigraph_store), oxigraph_store.resolve(SAPG))
    keys = {URIRef(iri).rsplit("/", 1)[-1] for iri in _expected_sources(oxigraph_store, found)}
    assert {e["ID"] for e in database.entries} == keys
    by_key = {e["ID"]: e for e in database.entries}
    letter = by_key["S-2004-567"]
    assert letter["number"] == "S/2004/567" and letter["date"] == "2004-07-13" and letter["year"] == "2004"
    assert letter["author"] == "{Secretary-General of the United Nations}"
    outcome = by_key["A-RES-60-1"]
    assert outcome["title"] == "{2005 World Summit Outcome}" and "paragraph 140" in outcome["note"]
    paper = by_key["ipi-stellenbosch-2008"]
    assert paper["ENTRYTYPE"] == "techreport" and "International Peace Institute" in paper["institution"]
    assert "footnote 1" in paper["note"]


def test_cli_ris_has_one_record_per_source(runner):
    result = runner.invoke(main, ["chain", SAPG, "--format", "ris"])
    assert result.exit_code == 0
    records = [r for r in result.output.split("ER  - ") if r.strip()]
    assert len(records) >= 4
    for record in records:
        lines = record.strip().splitlines()
        assert lines[0] in ("TY  - GOVDOC", "TY  - RPRT")
        assert all(re.match(r"^[A-Z][A-Z0-9]  - ", line) for line in lines)
    assert "M1  - S/2004/567" in result.output and "DA  - 2004/07/13/" in result.output


def test_a_chain_page_offers_the_sources_as_downloads(client):
    html = client.get(f"/chain?node={SAPG}").get_data(as_text=True)
    assert 'id="cite-sources"' in html and "format=bibtex" in html and "format=ris" in html
    response = client.get(f"/chain?node={SAPG}&format=bibtex")
    assert response.status_code == 200 and response.mimetype == "application/x-bibtex"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="chain-special-adviser-prevention-of-genocide.bib"'
    assert len(bibtexparser.loads(response.get_data(as_text=True)).entries) >= 4
    ris = client.get(f"/chain?node={SAPG}&format=ris")
    assert ris.headers["Content-Disposition"].endswith('.ris"')


def test_chain_picture_shows_whole_labels_and_a_legend(oxigraph_store):
    found = authority_chains(graph_index(oxigraph_store), oxigraph_store.resolve(SAPG))
    svg = chain_svg(found)
    shown = " ".join(re.sub(r"<[^>]+>", " ", t) for t in re.findall(r"<text text-anchor=\"middle\">(.*?)</text>", svg))
    shown = " ".join(shown.split())
    letter = next(c for c in found["chains"] if c["hops"][0]["to"]["iri"].endswith("S-2004-567"))
    for hop in letter["hops"]:
        label = hop["to"]["label"].replace("&", "&amp;")
        assert " ".join(label.split()) in shown  # S/2004/567 and the date, not "…"
    assert "…" not in svg
    assert 'class="legend"' in svg and "inferred by an editor" in svg and "a root" in svg
    assert "an organ&#x27;s competence, not a legal basis" in svg or "an organ's competence, not a legal basis" in svg
    assert 'class="competence"' in svg


def test_wrap_never_cuts_a_word_and_keeps_every_character():
    label = "Letter dated 12 July 2004 from the Secretary-General (S/2004/567, 13 July 2004) https://w3id.org/r2pkg/id/x"
    lines = wrap(label)
    assert all(len(line) <= 34 for line in lines)
    assert "".join(lines).replace(" ", "") == label.replace(" ", "")


def test_connection_view_shows_sources_and_draws_an_inferred_step_dashed(client):
    url = f"/chain?node={SAPG}&to=https://w3id.org/r2pkg/id/document/A-RES-60-1/para-140"
    html = client.get(url).get_data(as_text=True)
    svg = html.split('id="chain-picture">')[1].split("</figure>")[0]
    assert 'class="inferred"' in svg
    table = html.split("<h2>Path 1</h2>")[1]
    assert "inferred" in table and "Prevention of Genocide and Mass Atrocities" in table
    data = client.get(url + "&format=json").get_json()
    link = data["paths"][0][0]
    assert link["assertion"] == "inferred" and link["evidence"]


def test_a_case_chain_link_explains_why_there_is_none_and_what_it_cites_instead(client):
    case = client.get("/id/case/rwanda-1994").get_data(as_text=True)
    link = re.search(r'href="(/chain\?node=[^"]+)">Authority chain', case).group(1).replace("&amp;", "&")
    html = client.get(link).get_data(as_text=True)
    assert 'id="no-chain"' in html and "is a case" in html
    assert "/chain?node=https://w3id.org/r2pkg/id/response/rwanda-1994-operation-turquoise" in html


def test_a_node_that_cites_nothing_with_a_chain_still_gets_a_reason(client):
    html = client.get("/chain?node=state:rwanda").get_data(as_text=True)
    assert 'id="no-chain"' in html and "records no legal basis" in html


def test_official_text_is_shown_at_the_root_when_the_graph_holds_it(tmp_path: Path):
    from r2pkg.web import create_app

    extra = tmp_path / "text.ttl"
    placeholder = "PLACEHOLDER FOR A TEST, NOT THE OFFICIAL TEXT OF PARAGRAPH 140."
    extra.write_text(f'<https://w3id.org/r2pkg/id/document/A-RES-60-1/para-140> '
                     f'<https://w3id.org/r2pkg/ontology#text> "{placeholder}"@en .\n')
    store = open_store("memory", files=[*bundled_files(project_root()), extra])
    client = create_app({"TESTING": True, "ISOLATE_QUERIES": False}, store=store).test_client()
    html = client.get(f"/chain?node={SAPG}").get_data(as_text=True)
    assert "Official text: 2005 World Summit Outcome, paragraph 140" in html and placeholder in html


def test_timeline_markers_do_not_run_through_the_text(oxigraph_store):
    from r2pkg.chains import precedents

    found = precedents(graph_index(oxigraph_store), oxigraph_store.resolve("case:rwanda-1994"))
    svg = timeline_svg(found)
    for _y1, y2 in re.findall(r'<line x1="[\d.]+" y1="([\d.]+)" x2="[\d.]+" y2="([\d.]+)"', svg):
        assert float(y2) <= 40, "a line runs below the axis, through the rows of text"
    assert svg.count("<circle") == len([e for e in found["timeline"] if e["date"][:4].isdigit()])


def test_similar_cases_explain_the_shared_score(client):
    html = client.get("/precedents?case=case:rwanda-1994").get_data(as_text=True)
    assert 'id="shared-explained"' in html and "one point for each" in html


def test_chain_json_is_unchanged_in_shape(runner):
    out = runner.invoke(main, ["chain", SAPG, "--format", "json"]).output
    assert {"node", "chains", "partial", "message"} <= set(json.loads(out))


@pytest.mark.parametrize("node", [SAPG, "case:darfur-2003"])
def test_chain_sources_are_plain_data(oxigraph_store, node):
    found = authority_chains(graph_index(oxigraph_store), oxigraph_store.resolve(node))
    for source in chain_sources(oxigraph_store, found):
        assert source.title and source.kind in ("publication", "un-document", "instrument")


# -- exports read back by common readers ---------------------------------------------------------

STELLENBOSCH_PUBLISHERS = {"International Peace Institute", "Centre for Conflict Resolution",
                           "Office of the UN Special Adviser for the Prevention of Genocide"}


def test_ris_read_back_by_rispy_keeps_all_three_co_publishers(runner):
    import rispy

    result = runner.invoke(main, ["chain", SAPG, "--format", "ris"])
    assert result.exit_code == 0, result.output
    records = {r["id"]: r for r in rispy.loads(result.output)}
    paper = records["ipi-stellenbosch-2008"]
    assert set(paper["publisher"].split("; ")) == STELLENBOSCH_PUBLISHERS
    assert result.output.count("PB  - ") == sum(1 for r in records.values() if r.get("publisher"))
    assert records["S-2004-567"]["type_of_reference"] == "GOVDOC"


def test_bibtex_read_back_keeps_all_three_co_publishers(runner):
    database = bibtexparser.loads(runner.invoke(main, ["chain", SAPG, "--format", "bibtex"]).output)
    paper = {e["ID"]: e for e in database.entries}["ipi-stellenbosch-2008"]
    assert set(paper["institution"].split(" and ")) == STELLENBOSCH_PUBLISHERS


def test_csl_json_is_read_by_citeproc_with_every_source(runner, client, oxigraph_store):
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON

    result = runner.invoke(main, ["chain", SAPG, "--format", "csl-json"])
    assert result.exit_code == 0, result.output
    items = json.loads(result.output)
    found = authority_chains(graph_index(oxigraph_store), oxigraph_store.resolve(SAPG))
    assert {i["id"] for i in items} == {URIRef(iri).rsplit("/", 1)[-1] for iri in _expected_sources(oxigraph_store, found)}
    by_id = {i["id"]: i for i in items}
    assert set(by_id["ipi-stellenbosch-2008"]["publisher"].split("; ")) == STELLENBOSCH_PUBLISHERS
    letter = by_id["S-2004-567"]
    assert letter["number"] == "S/2004/567" and letter["issued"] == {"date-parts": [[2004, 7, 13]]}
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)  # bundled with citeproc-py
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    bibliography.register(Citation([CitationItem(i["id"]) for i in items]))
    rendered = [str(entry) for entry in bibliography.bibliography()]
    assert len(rendered) == len(items)
    assert any("Centre for Conflict Resolution" in entry for entry in rendered)
    web = client.get(f"/chain?node={SAPG}&format=csl-json")
    assert web.status_code == 200 and web.mimetype == "application/vnd.citationstyles.csl+json"
    assert json.loads(web.get_data(as_text=True)) == items
    assert web.headers["Content-Disposition"].endswith('.json"')
