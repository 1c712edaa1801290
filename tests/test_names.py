"""One name resolver: the CLI, the web pages, saved-query parameters and the form give the
same answer for the same name, and a wrong name or parameter is an error everywhere."""

from __future__ import annotations

import json

import pytest

import r2pkg.cli as cli_module
from r2pkg.cli import main
from r2pkg.errors import UnknownNodeError
from r2pkg.names import resolve_name, short
from r2pkg.namespaces import R2P, R2PID

RWANDA_CASE = str(R2PID) + "case/rwanda-1994"
RWANDA_STATE = str(R2PID) + "state/rwanda"


@pytest.fixture()
def cli(runner, store, monkeypatch):
    """``r2pkg`` on the same store as the web fixtures, so that both read the same graph:
    ``--store KIND`` opens the session's store of that kind (rdflib's takes seconds to parse
    the graph again on each run)."""
    def opened(spec=None, files=None, as_of=None):
        assert (spec, files, as_of) == (store.kind, None, None)
        return store

    monkeypatch.setattr(cli_module, "open_store", opened)

    def invoke(*args: str):
        return runner.invoke(main, ["--store", store.kind, *args])
    return invoke


def test_a_label_prefers_the_class_the_caller_expects(store):
    assert str(resolve_name(store, "Rwanda").node) == RWANDA_STATE  # no class expected: the exact label
    found = resolve_name(store, "Rwanda", (R2P.Case,))
    assert str(found.node) == RWANDA_CASE and [str(o) for o in found.others] == [RWANDA_STATE]
    assert "state:rwanda" in found.note(store, "Rwanda")
    assert short(found.node) == "case:rwanda-1994"


def test_an_iri_of_the_wrong_class_is_an_error_that_names_what_it_is(store):
    with pytest.raises(UnknownNodeError, match=r"'state:rwanda' names state:rwanda \(Rwanda\), a State, not a Case") as exc:
        resolve_name(store, "state:rwanda", (R2P.Case,))
    assert "case:rwanda-1994" in exc.value.hint  # the cases that refer to it


def test_precedents_of_rwanda_resolve_to_the_case_on_the_cli_and_the_web(cli, client):
    result = cli("precedents", "Rwanda", "--format", "json")
    assert result.exit_code == 0, result.output
    assert "also names: state:rwanda (State)" in result.stderr
    cli_found = json.loads(result.stdout)
    web = client.get("/precedents?case=Rwanda&format=json")
    assert web.status_code == 200
    body = web.get_json()
    assert body["case"]["iri"] == cli_found["case"]["iri"] == RWANDA_CASE
    assert body["draws_on"] == cli_found["draws_on"] and body["drawn_on_by"] == cli_found["drawn_on_by"]
    assert [o["iri"] for o in body["resolved"]["also_named"]] == [RWANDA_STATE]


@pytest.mark.parametrize("name", ["state:rwanda", "Nowhere-at-all"])
def test_a_case_parameter_that_names_no_case_is_an_error_on_the_cli_and_the_web(cli, client, name):
    result = cli("query", "precedents-draws-on", "--param", f"case={name}")
    assert result.exit_code == 2 and "the parameter 'case'" in result.stderr, result.output
    web = client.get(f"/queries/precedents-draws-on?case={name}&format=json")
    assert web.status_code == 400
    assert web.get_json()["error"]["message"] in result.stderr
    assert client.get(f"/precedents?case={name}&format=json").status_code == 400
    assert cli("precedents", name).exit_code == 2


def test_a_misspelt_parameter_is_an_error_naming_the_known_ones_on_the_cli_and_the_web(cli, client):
    result = cli("query", "who-held-a-mandate", "--param", "mandat=x")
    assert result.exit_code == 2
    web = client.get("/queries/who-held-a-mandate?mandat=x&format=json")
    assert web.status_code == 400
    error = web.get_json()["error"]
    assert error["message"] == "the query 'who-held-a-mandate' has no parameter 'mandat'."
    assert error["message"] in result.stderr
    assert "mandate (required, iri, default mandate:special-adviser-prevention-of-genocide)" in error["hint"]
    assert error["hint"] in result.stderr


def test_an_unknown_node_is_a_400_on_the_web_and_exit_2_on_the_cli(cli, client):
    assert client.get("/chain?node=Nowhere-at-all&format=json").status_code == 400
    assert client.get("/chain?node=case:nowhere&to=case:rwanda-1994&format=json").status_code == 400
    result = cli("chain", "Nowhere-at-all")
    assert result.exit_code == 2 and "no node of the graph is called 'Nowhere-at-all'" in result.stderr


def test_query_list_shows_each_querys_parameters_and_defaults(cli):
    result = cli("query", "--list")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("who-held-a-mandate "))
    assert lines[at + 1].strip() == ("--param mandate (required, iri, default "
                                     "mandate:special-adviser-prevention-of-genocide)")


def test_a_run_without_a_needed_parameter_says_which_default_it_used(cli):
    result = cli("query", "who-held-a-mandate", "--format", "csv")
    assert result.exit_code == 0
    assert ("note: no --param mandate=…, so the default mandate="
            "https://w3id.org/r2pkg/id/mandate/special-adviser-prevention-of-genocide is used.") in result.stderr
    given = cli("query", "who-held-a-mandate", "--format", "csv", "--param",
                "mandate=mandate:special-adviser-prevention-of-genocide")
    assert "note:" not in given.stderr and given.stdout == result.stdout


def test_the_form_resolves_names_as_everything_else_does(store):
    from r2pkg.web.editors import PICKERS

    assert str(resolve_name(store, "Rwanda", PICKERS["state"]).node) == RWANDA_STATE
    assert str(resolve_name(store, "Rwanda", PICKERS["case"]).node) == RWANDA_CASE
