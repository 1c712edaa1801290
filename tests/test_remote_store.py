"""Real external triple stores on loopback: Oxigraph's server and Virtuoso, loaded with `r2pkg load`.

Every test here runs once per engine, through the SPARQL 1.1 Protocol and the Graph Store
Protocol, and is compared with the embedded store: saved queries, chains, precedents,
validation, the web endpoint, and an entry written through the store. The fixtures start
each server themselves on a free port (so the README's test command alone runs them) and
stop it afterwards. An engine that is not installed fails (Oxigraph: it is in the test
extra) or is skipped with the reason (Virtuoso: a Debian package), never passed silently.

Default graphs differ: Oxigraph's is its own graph, so r2pkg's triples go into it;
Virtuoso's is the union of every graph, its system graphs included, so there r2pkg's triples
go into a named graph that every query names as its default graph (``R2PKG_STORE_GRAPH``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from http_helpers import free_port
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from r2pkg.chains import authority_chains, graph_index, precedents
from r2pkg.cli import main
from r2pkg.editing.entries import read_entries
from r2pkg.errors import QueryError
from r2pkg.namespaces import R2P, R2PID
from r2pkg.queries import run_saved, saved_queries
from r2pkg.store import open_store
from r2pkg.editing.validation import validate_entry

pytestmark = pytest.mark.server
SHAPES = Path(__file__).parent / "shapes"
GRAPH = "https://w3id.org/r2pkg/graph"
ENGINES = ["oxigraph", "virtuoso"]


def oxigraph_binary() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(found).exists():
        pytest.fail("the 'oxigraph' server is needed: pip install oxigraph (the test extra installs it)")
    return found


def wait_for(url: str, process: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    """Until ``url`` answers, or fail with the server's log."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    process.kill()
    pytest.fail(f"the server did not start: {log.read_text(errors='replace')[-800:]}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        for key, value in values.items():
            patch.setenv(key, value)
        yield


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph")
    log = location.parent / "oxigraph.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen([oxigraph_binary(), "serve", "--location", str(location), "--bind",
                                    f"127.0.0.1:{port}"], stdout=sink, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_for(f"{base}/query?query=ASK%7B%7D", process, log, 30)
    yield base
    stop(process)


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
CaseMode = 2
DirsAllowed = ., {d}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}/vsp
ServerThreads = 10
Charset = UTF-8
EnabledGzipContent = 0
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
MaxQueryCostEstimationTime = 400
"""


@pytest.fixture(scope="module")
def virtuoso_server(tmp_path_factory):
    """Virtuoso 7 (Debian's virtuoso-opensource) on a private database and loopback ports."""
    binary = shutil.which("virtuoso-t")
    if binary is None:
        pytest.skip("Virtuoso is not installed on this machine (apt-get install virtuoso-opensource): "
                    "its tests did not run")
    folder = tmp_path_factory.mktemp("virtuoso")
    (folder / "vsp").mkdir()
    http = free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(d=folder, sql=free_port(), http=http), encoding="utf-8")
    log = folder / "stdout.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen([binary, "-c", str(ini), "+foreground"], cwd=folder,
                                   stdout=sink, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{http}"
    wait_for(f"{base}/sparql?query=ASK%7B%7D", process, log)
    yield base
    stop(process)


@pytest.fixture(scope="module", params=ENGINES)
def engine(request) -> dict:
    """How to reach one engine: its query endpoint, and the settings r2pkg needs for it."""
    if request.param == "oxigraph":
        base = request.getfixturevalue("oxigraph_server")
        return {"name": "oxigraph", "base": base, "query": f"{base}/query", "load": f"{base}/store", "env": {}}
    base = request.getfixturevalue("virtuoso_server")
    # the default account of a new Virtuoso database; its Graph Store answers with a Digest challenge
    env = {"R2PKG_STORE_USER": "dba", "R2PKG_STORE_PASSWORD": "dba", "R2PKG_STORE_GRAPH": GRAPH,
           "R2PKG_STORE_GSP": f"{base}/sparql-graph-crud-auth"}
    return {"name": "virtuoso", "base": base, "query": f"{base}/sparql", "load": f"{base}/sparql-graph-crud-auth",
            "env": env}


@pytest.fixture(scope="module")
def remote(engine, oxigraph_store):
    with environment(engine["env"]):
        result = CliRunner().invoke(main, ["load", "--store", engine["load"], "--batch", "5000"])
        assert result.exit_code == 0, result.output
        assert "triples" in result.output  # the progress bar
        remote_store = open_store(engine["query"])
    yield remote_store


def test_load_reports_progress_and_every_triple_arrives(remote, oxigraph_store):
    assert remote.kind == "remote" and remote.uses_network
    assert remote.triple_count() == oxigraph_store.triple_count()


def test_load_into_a_store_that_refuses_says_so(runner, engine):
    result = runner.invoke(main, ["load", "--store", f"{engine['base']}/no-such-endpoint"])
    assert result.exit_code == 2
    assert "refused" in result.output or "cannot reach" in result.output


QUERIES = sorted(saved_queries().values(), key=lambda q: q.name)


#: Saved queries Virtuoso 7.2 cannot run (it answered 500, "SQ074", to a GROUP BY over
#: variables bound from EXISTS and IN; since the competence branches, it refuses the text with
#: 400); checked to still fail, so a fixed engine is noticed.
VIRTUOSO_REFUSES = {"authority-chain-nodes", "authority-chain-roots"}
#: Queries Virtuoso 7.2 answers with rows missing, depending on what it ran before (alone, or
#: after the other external-store tests, it gives all three of Darfur's precedents; after
#: the whole suite, only one). Its rows are checked to be right, and their number is not.
VIRTUOSO_DROPS_ROWS = {"precedents-draws-on"}


def comparable(result, engine: str):
    """A result in a form two engines can be compared on.

    Virtuoso writes SPARQL booleans (``EXISTS``, ``true``) as xsd:integer 1 and 0; on
    Virtuoso the embedded store's booleans are compared as 1 and 0 too.
    """
    if result.type == "ASK":
        return result.askAnswer
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return len(result.graph)

    def text(v) -> str:
        if v is None:
            return ""
        if engine == "virtuoso" and isinstance(v, Literal) and v.datatype == XSD.boolean:
            return "1" if v.toPython() else "0"
        return str(v)

    return sorted(tuple(text(v) for v in row) for row in result)


@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_saved_queries_give_the_same_answers_on_the_external_store(engine, remote, oxigraph_store, query):
    if engine["name"] == "virtuoso" and query.name in VIRTUOSO_REFUSES:
        # refused with Virtuoso's own words (its error code), which rdflib's connector dropped
        with pytest.raises(QueryError, match=r"answered (400|500): .*\(Virtuoso \w+ Error \w+: "):
            run_saved(remote, query)
        return
    there = comparable(run_saved(remote, query), engine["name"])
    here = comparable(run_saved(oxigraph_store, query), engine["name"])
    if engine["name"] == "virtuoso" and query.name in VIRTUOSO_DROPS_ROWS:
        assert there and set(there) <= set(here), (there, here)  # never a wrong row
        return
    assert there == here


#: Every other value a saved query offers, and values for the queries whose joins Virtuoso 7.2
#: once got wrong for some parameters only (another response's case or tool): the defaults
#: alone would not show it.
OTHER_VALUES = [(q.name, {p.name: value}) for q in QUERIES for p in q.parameters
                for value in p.choices if value != p.default] + [
    ("citator", {"document": d}) for d in ("doc:un-charter", "doc:A-RES-60-1", "pub:ipi-stellenbosch-2008")] + [
    ("where-the-answer-rests-on-an-editors-reading", {"type": t}) for t in ("r2p:Claim", "r2p:Response",
                                                                             "r2p:Recommendation")]


@pytest.mark.parametrize("name,values", OTHER_VALUES, ids=[f"{n}-{'-'.join(v.values())}" for n, v in OTHER_VALUES])
def test_saved_queries_with_other_values_agree(engine, remote, oxigraph_store, name, values):
    query = saved_queries()[name]
    there = comparable(run_saved(remote, query, values), engine["name"])
    here = comparable(run_saved(oxigraph_store, query, values), engine["name"])
    assert here, "a value chosen to have an answer"
    assert there == here


@pytest.mark.parametrize("node", ["mandate/special-adviser-prevention-of-genocide", "case/libya-2011",
                                  "case/rwanda-1994"])
def test_chains_and_precedents_agree_with_the_embedded_store(remote, oxigraph_store, node):
    iri = URIRef(str(R2PID) + node)
    there, here = graph_index(remote), graph_index(oxigraph_store)
    assert canonical(authority_chains(there, iri)) == canonical(authority_chains(here, iri))
    if node.startswith("case/"):
        assert canonical(precedents(there, iri)) == canonical(precedents(here, iri))


def canonical(value):
    """The same findings whatever order the engine sent the triples in (equal paths found
    in another order are the same answer)."""
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return sorted((canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True, default=str))
    return value


def test_chain_on_the_external_store(remote):
    sapg = URIRef(str(R2PID) + "mandate/special-adviser-prevention-of-genocide")
    found = authority_chains(graph_index(remote), sapg)
    assert found["reaches_root"]
    hops = [h for c in found["chains"] + found["partial"] for h in c["hops"]]
    assert any(h["to"]["iri"].endswith("S-2004-567") and h["evidence"] for h in hops)


def test_precedents_on_the_external_store(remote):
    found = precedents(graph_index(remote), URIRef(str(R2PID) + "case/rwanda-1994"))
    assert any(d["iri"].endswith("case/somalia") for d in found["draws_on"])


@pytest.mark.parametrize("name, conforms", [("valid-coercive-response-chapter-vii.ttl", True),
                                            ("invalid-authority-coercive-without-chapter-vii.ttl", False),
                                            ("invalid-form-dangling-iri.ttl", False)])
def test_entry_validation_on_the_external_store(remote, name, conforms):
    report = validate_entry(remote, read_entries([SHAPES / name]))
    assert report.conforms is conforms


def test_whole_graph_validation_on_the_external_store_gives_the_same_report(remote, oxigraph_store):
    """The compiled shapes run at the endpoint itself: the same report as on the embedded store.

    On Virtuoso 7.2 too: the engine writes class tests and sh:in in forms it evaluates
    right (see :func:`r2pkg.editing.shacl_terms.subclasses_of`). Virtuoso refuses two of the
    queries: the cycle rule's path every time (SQ156, an internal compiler error), and in some
    full-suite runs the responses' merged value query (a 500; its words were not kept then);
    the engine then asks focus by focus, or each part alone, and the report is the same.
    """
    from collections import Counter

    from r2pkg.editing.validation import validate_store

    there, here = validate_store(remote), validate_store(oxigraph_store)
    assert there.conforms and here.conforms, Counter((f.shape, f.field_label) for f in there.findings).most_common(12)
    assert there.checked == here.checked
    assert there.as_dict()["findings"] == here.as_dict()["findings"]


def test_sparql_endpoint_served_from_the_external_store(remote):
    from r2pkg.web import create_app

    client = create_app({"TESTING": True}, store=remote).test_client()
    data = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).get_json()
    assert data["boolean"] is True
    assert json.loads(client.get("/healthz").data)["store"] == "remote"


def test_a_query_for_the_external_store_is_read_under_the_time_limit(remote):
    import time

    from r2pkg.web import create_app

    app = create_app({"TESTING": True, "QUERY_TIMEOUT": 2.0}, store=remote)
    client = app.test_client()
    try:
        query = "ASK { FILTER(1 IN (" + ",".join(["1"] * 16_000) + ")) }"  # rdflib's parser: ~70 s
        started = time.monotonic()
        response = client.post("/sparql", data=query, content_type="application/sparql-query")
        assert response.status_code == 503 and time.monotonic() - started < 4.0
        assert client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).get_json()["boolean"] is True
    finally:
        app.extensions["r2pkg.isolator"].close()


def test_a_query_file_runs_on_the_external_store_from_the_command_line(runner, engine, remote, tmp_path):
    query = tmp_path / "cases.rq"
    query.write_text("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a r2p:Case }", encoding="utf-8")
    with environment(engine["env"]):
        result = runner.invoke(main, ["query", str(query), "--format", "csv", "--store", engine["query"]])
    assert result.exit_code == 0, result.output
    assert int(result.output.split()[1]) == remote.stats()["cases"]


def test_an_entry_written_through_the_graph_store_is_seen_by_the_next_query(remote):
    """Last in the module: it changes the external store."""
    node = URIRef(str(R2PID) + "case/written-through-the-store")
    entry = Graph()
    entry.add((node, RDF.type, R2P.Case))
    entry.add((node, RDFS.label, Literal("Written through the Graph Store", lang="en")))
    entry.add((node, R2P.evidence, BNode()))
    before, version = remote.triple_count(), remote.version
    remote.add_graph(entry)
    assert remote.version == version + 1
    assert remote.triple_count() == before + 3
    assert remote.ask(f"ASK {{ <{node}> a r2p:Case ; rdfs:label ?l }}")
    assert remote.resolve("Written through the Graph Store") == node
