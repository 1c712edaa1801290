"""The saved queries in queries/: each one parses, runs on both stores and gives its expected answer."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from r2pkg.errors import InputError
from r2pkg.queries import HEADER_KEYS, find_query, load_saved_query, queries_dir, read_header, run_saved
from r2pkg.sparql import Answer, bind_parameters, parse_query, with_prefixes
from r2pkg.store import Store

QUERY_FILES = sorted(queries_dir().glob("*.rq"))
#: The same files, each kept on one xdist worker, so that its answer (see ``_answer``) is
#: computed once for the tests that read it.
QUERY_RUNS = [pytest.param(path, marks=pytest.mark.xdist_group(f"saved-query-{path.stem}")) for path in QUERY_FILES]
REQUIRED_KEYS = {"summary", "description", "expect"}
#: Fewer files than this means some went missing, or a leftover filter crept in.
MIN_QUERIES = 20


#: Each saved query's answer with its defaults, per store, run once for the tests that read it
#: (on rdflib's store the whole set takes minutes).
_ANSWERS: dict[tuple[str, str], Answer] = {}


def _answer(path: Path, store: Store) -> Answer:
    key = (path.name, store.kind)
    if key not in _ANSWERS:
        _ANSWERS[key] = run_saved(store, load_saved_query(path))
    return _ANSWERS[key]


def _values(result) -> set[str]:
    """Every value of every row, as text."""
    return {str(value) for row in result for value in row if value is not None}


def test_all_saved_queries_are_collected():
    assert len(QUERY_FILES) >= MIN_QUERIES, [p.name for p in QUERY_FILES]


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_header_has_the_required_keys_and_no_others(path: Path):
    header = read_header(path.read_text(encoding="utf-8"))
    assert REQUIRED_KEYS <= set(header), f"{path.name}: missing {sorted(REQUIRED_KEYS - set(header))}"
    assert set(header) <= HEADER_KEYS, f"{path.name}: unknown keys {sorted(set(header) - HEADER_KEYS)}"
    assert str(header["summary"]).strip() and str(header["description"]).strip()
    expect = header["expect"]
    assert isinstance(expect, dict) and expect and set(expect) <= {"rows", "contains"}, expect


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_query_parses_with_its_defaults(path: Path):
    query = load_saved_query(path)
    for parameter in query.parameters:
        if parameter.required:
            assert parameter.default, f"{path.name}: the required parameter '{parameter.name}' has no default"
    parsed = parse_query(with_prefixes(bind_parameters(query.text, query.bindings())))
    assert parsed.form == "SELECT"


@pytest.mark.parametrize("path", QUERY_RUNS, ids=lambda p: p.stem)
def test_query_gives_its_expected_answer(path: Path, any_store: Store):
    query = load_saved_query(path)
    rows = list(_answer(path, any_store))
    expect = query.expect
    if "rows" in expect:
        assert len(rows) == expect["rows"], f"{path.name} on {any_store.kind}: {len(rows)} rows"
    values = _values(rows)
    missing = [str(item) for item in expect.get("contains") or () if str(item) not in values]
    assert not missing, f"{path.name} on {any_store.kind}: no result value is {missing}"


@pytest.mark.parametrize("path", QUERY_RUNS, ids=lambda p: p.stem)
def test_every_iri_column_has_a_label_column(path: Path, any_store: Store):
    result = _answer(path, any_store)
    names = [str(v) for v in result.vars]
    iri_columns = {names[i] for row in result for i, v in enumerate(row) if isinstance(v, URIRef)}
    unlabelled = sorted(c for c in iri_columns if f"{c}Label" not in names)
    assert not unlabelled, f"{path.name}: IRI columns without a ?xLabel beside them: {unlabelled}"


def test_an_unknown_header_key_is_rejected(tmp_path: Path):
    path = tmp_path / "typo.rq"
    path.write_text("#+ summary: A typo in a key\n#+ expects: {rows: 1}\nSELECT * WHERE { ?s ?p ?o }\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match="expects"):
        load_saved_query(path)


def test_a_missing_required_parameter_is_an_input_error(any_store: Store):
    query = find_query("precedents-draws-on")
    with pytest.raises(InputError, match="case"):
        query.bindings({}, use_defaults=False)
    without_defaults = dataclasses.replace(
        query, parameters=tuple(dataclasses.replace(p, default=None) for p in query.parameters))
    with pytest.raises(InputError, match="case"):
        run_saved(any_store, without_defaults)


def test_an_unknown_parameter_is_an_input_error(any_store: Store):
    with pytest.raises(InputError, match="colour"):
        run_saved(any_store, find_query("find-by-label"), {"colour": "red"})


@pytest.mark.parametrize("text", [
    '" } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o',
    'x") || true || ("',
    "Kenya' } UNION { ?node ?p ?nodeLabel } #",
    '\\" } DELETE WHERE { ?s ?p ?o } #',
])
def test_a_literal_parameter_is_data_not_query_syntax(any_store: Store, text: str):
    size = len(any_store.graph)
    rows = list(run_saved(any_store, find_query("find-by-label"), {"text": text}))
    assert rows == []  # no label contains that text; the query kept its structure
    assert len(any_store.graph) == size


def test_a_literal_parameter_with_quotes_still_matches_as_text(any_store: Store):
    query = find_query("find-by-label")
    rows = list(run_saved(any_store, query, {"text": '"Never Again"'}))
    assert any("Never Again" in str(row[1]) for row in rows)
    assert query.bindings({"text": 'a "quoted" } text'})["_text_literal"] == Literal('a "quoted" } text')


def test_label_search_ignores_case(any_store: Store):
    query = find_query("find-by-label")
    lower = {str(row[0]) for row in run_saved(any_store, query, {"text": "kenya"})}
    mixed = {str(row[0]) for row in run_saved(any_store, query, {"text": "kENYA"})}
    assert lower == mixed and "https://w3id.org/r2pkg/id/case/kenya-2007-2008" in lower


@pytest.mark.parametrize("value", [
    "https://w3id.org/r2pkg/id/case/x> } ; DROP ALL ; #",
    'https://w3id.org/r2pkg/id/case/x" ?p ?o',
    "case:rwanda-1994 } UNION { ?s ?p ?o",
])
def test_an_iri_parameter_cannot_break_out_of_its_brackets(any_store: Store, value: str):
    size = len(any_store.graph)
    with pytest.raises(InputError):
        run_saved(any_store, find_query("precedents-draws-on"), {"case": value})
    assert len(any_store.graph) == size


def test_without_a_store_an_iri_parameter_must_be_a_full_iri():
    with pytest.raises(InputError, match="full IRI"):
        find_query("precedents-draws-on").bindings({"case": "rwanda-1994"})


@pytest.mark.parametrize("name", [
    "case:rwanda-1994",
    "https://w3id.org/r2pkg/id/case/rwanda-1994",
    "Rwanda, genocide (1994)",
    "rwanda, GENOCIDE (1994)",
])
def test_an_iri_parameter_takes_every_name_the_product_takes(any_store: Store, name: str):
    rows = list(run_saved(any_store, find_query("precedents-draws-on"), {"case": name}))
    assert [str(row[1]) for row in rows] == ["Somalia"]


@pytest.mark.parametrize("name", ["case:rwanda-1995", "rwanda-1994", "https://w3id.org/r2pkg/id/case/nowhere",
                                  "Rwanda 1994"])
def test_an_iri_parameter_that_names_nothing_is_an_error_not_an_empty_answer(any_store: Store, name: str):
    with pytest.raises(InputError, match=f"names no node of the graph: '{name}'"):
        run_saved(any_store, find_query("precedents-draws-on"), {"case": name})


def test_an_enumerated_iri_parameter_takes_a_prefixed_name(any_store: Store):
    query = find_query("responses-by-pillar")
    name = next(p.name for p in query.parameters if p.choices)
    assert run_saved(any_store, query, {name: "pillar:3"}) is not None
    with pytest.raises(InputError, match="not one of the values"):
        run_saved(any_store, query, {name: "case:rwanda-1994"})
