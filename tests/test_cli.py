"""The command line, in-process: exit codes and output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from r2pkg.cli import main


def test_query_file_prints_a_table(runner, tmp_path: Path):
    query = tmp_path / "crimes.rq"
    query.write_text("PREFIX r2p: <https://w3id.org/r2pkg/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                     "SELECT ?label WHERE { ?c a r2p:AtrocityCrime ; rdfs:label ?label } ORDER BY ?label\n")
    result = runner.invoke(main, ["query", str(query)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].strip() == "label"
    assert "crimes against humanity" in lines[2]
    assert lines[-1] == "(4 rows)"


def test_query_with_syntax_error_exits_2_with_position(runner, tmp_path: Path):
    query = tmp_path / "bad.rq"
    query.write_text("SELECT ?x WHERE {\n  ?x ?y\n}\n")
    result = runner.invoke(main, ["query", str(query)])
    assert result.exit_code == 2
    assert "error: syntax error at line 2, column 3" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("fmt, check", [
    ("json", lambda out: json.loads(out)["results"]["bindings"]),
    ("csv", lambda out: out.splitlines()[0] == "label"),
])
def test_query_formats(runner, tmp_path: Path, fmt, check):
    query = tmp_path / "q.rq"
    query.write_text("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                     "SELECT ?label WHERE { <https://w3id.org/r2pkg/id/pillar/1> rdfs:label ?label }\n")
    result = runner.invoke(main, ["query", str(query), "--format", fmt])
    assert result.exit_code == 0 and check(result.output)


def test_unknown_saved_query_exits_2(runner):
    result = runner.invoke(main, ["query", "no-such-question"])
    assert result.exit_code == 2
    assert "no saved query is called 'no-such-question'" in result.output


def test_saved_query_parameter_by_prefixed_name(runner):
    result = runner.invoke(main, ["query", "precedents-draws-on", "--param", "case=case:rwanda-1994"])
    assert result.exit_code == 0, result.output
    assert "Somalia" in result.output and "(1 rows)" in result.output or "(1 row)" in result.output
    as_json = runner.invoke(main, ["query", "precedents-draws-on", "--param", "case=case:rwanda-1994", "--format", "json"])
    assert [b["earlierLabel"]["value"] for b in json.loads(as_json.output)["results"]["bindings"]] == ["Somalia"]


def test_saved_query_parameter_naming_nothing_exits_2(runner):
    result = runner.invoke(main, ["query", "precedents-draws-on", "--param", "case=case:rwanda-1995"])
    assert result.exit_code == 2
    assert "names no node of the graph: 'case:rwanda-1995'" in result.output


def test_validate_bundled_graph_exits_0(runner):
    result = runner.invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("conforms")  # the progress line goes to stderr


def test_malformed_data_file_makes_validate_and_serve_exit_with_file_and_line(runner, tmp_path: Path, monkeypatch):
    root = tmp_path / "project"
    import shutil

    src = Path(__file__).resolve().parents[1]
    shutil.copytree(src / "ontology", root / "ontology")
    (root / "data").mkdir()
    (root / "data" / "broken.ttl").write_text("@prefix ex: <http://example.org/> .\n\nex:a ex:b .\n", encoding="utf-8")
    monkeypatch.setenv("R2PKG_HOME", str(root))
    for args in (["validate"], ["serve", "--port", "1"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 2, result.output
        assert "data/broken.ttl, line 3" in result.output
        assert "Traceback" not in result.output


def test_new_case_template_is_rejected_until_filled_in(runner, tmp_path: Path):
    out = tmp_path / "entry.ttl"
    result = runner.invoke(main, ["new-case", "testland-2020", "-o", str(out)])
    assert result.exit_code == 0
    text = out.read_text()
    assert text.startswith("# A new case entry")
    checked = runner.invoke(main, ["validate", str(out)])
    assert checked.exit_code == 1, checked.output
    assert "line 27, label [form]: 'TODO Country, situation (years)' is a placeholder" in checked.output


def test_validate_entry_reports_violations_with_exit_1_and_json(runner, tmp_path: Path):
    entry = tmp_path / "bad.ttl"
    entry.write_text("""@prefix r2p: <https://w3id.org/r2pkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/r2pkg/id/case/nowhere> a r2p:Case ; rdfs:label "Nowhere"@en ; r2p:scopeStatus r2p:InScope .
""")
    result = runner.invoke(main, ["validate", str(entry), "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["conforms"] is False
    rules = {f["rule"] for f in report["findings"]}
    assert {"4+3", "provenance"} <= rules


def test_validate_unparseable_entry_exits_2_with_line_and_column(runner, tmp_path: Path):
    entry = tmp_path / "broken.ttl"
    entry.write_text('@prefix r2p: <https://w3id.org/r2pkg/ontology#> .\n<x> r2p:label "unterminated .\n')
    result = runner.invoke(main, ["validate", str(entry)])
    assert result.exit_code == 2
    assert "broken.ttl, line 2, column" in result.output


def test_chain_of_the_special_adviser(runner):
    result = runner.invoke(main, ["chain", "mandate:special-adviser-prevention-of-genocide"])
    assert result.exit_code == 0
    assert "S/2004/567" in result.output
    assert "2005 World Summit Outcome" in result.output


def test_chain_json_and_unknown_node(runner):
    result = runner.invoke(main, ["chain", "organ:secretary-general", "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["reaches_root"] is True
    unknown = runner.invoke(main, ["chain", "mandate:no-such-post"])
    assert unknown.exit_code == 2
    assert "no node of the graph is called" in unknown.output


def test_chain_of_a_node_without_basis_exits_1(runner):
    result = runner.invoke(main, ["chain", "case:rwanda-1994"])
    assert result.exit_code == 1
    assert "no recorded legal basis" in result.output


def test_precedents_text_and_json(runner):
    result = runner.invoke(main, ["precedents", "case:rwanda-1994"])
    assert result.exit_code == 0
    assert "Somalia" in result.output
    data = json.loads(runner.invoke(main, ["precedents", "case:rwanda-1994", "--format", "json"]).output)
    assert any(d["iri"].endswith("case/somalia") for d in data["draws_on"])


def test_stats(runner):
    result = runner.invoke(main, ["--store", "memory", "stats"])
    assert result.exit_code == 0 and "triples" in result.output


def _home_with(tmp_path: Path, extra: str) -> Path:
    """A copy of the bundled graph with one more data file."""
    import shutil

    src = Path(__file__).resolve().parents[1]
    root = tmp_path / "project"
    shutil.copytree(src / "ontology", root / "ontology")
    shutil.copytree(src / "data", root / "data")
    (root / "data" / "zz-broken.ttl").write_text(extra, encoding="utf-8")
    return root


BROKEN_CASES = """@prefix r2p: <https://w3id.org/r2pkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix case: <https://w3id.org/r2pkg/id/case/> .
""" + "".join(f'case:broken-{n} a r2p:Case ; rdfs:label "Broken {n}"@en ; r2p:scopeStatus r2p:InScope .\n'
              for n in range(5))


@pytest.mark.parametrize("store", ["oxigraph", "memory"])
def test_validate_whole_graph_reports_findings_with_progress_and_a_limit(runner, tmp_path: Path, monkeypatch, store):
    monkeypatch.setenv("R2PKG_HOME", str(_home_with(tmp_path, BROKEN_CASES)))
    full = runner.invoke(main, ["validate", "--store", store, "--format", "json"])
    assert full.exit_code == 1, full.output
    report = json.loads(full.stdout)
    focus = {f["focus"] for f in report["findings"]}
    assert focus == {f"https://w3id.org/r2pkg/id/case/broken-{n}" for n in range(5)}
    assert {f["rule"] for f in report["findings"]} == {"4+3", "provenance"}
    assert "rules checked" in full.stderr and "finding(s)" in full.stderr
    cut = runner.invoke(main, ["validate", "--store", store, "--limit", "2"])
    assert cut.exit_code == 1
    assert cut.stdout.startswith("does not conform: 2 problem(s)")
