"""The ``r2pkg`` command: thin wrappers that parse, call the library and format.

Results go to stdout; errors to stderr as an ``error:`` line and a hint, with exit
status 2 (1 means "no": a non-conforming entry, a node with no chain).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from rdflib import Graph

from r2pkg.errors import R2pkgError
from r2pkg.store import STORE_KINDS, Store, open_store

#: Waitress copies a response body over ``outbuf_overflow`` bytes (1 MB by default) into a
#: temporary file before sending it. Query answers bypass that buffer (see
#: ``web.sparql.answer_response``); pages and dumps are whole in memory already, so the file
#: would only add a write and a read (2 ms on 2 MB). Up to 16 MB stays in memory.
OUTBUF_OVERFLOW = 16 * 1024**2
STORE_HELP = f"where the graph lives: {', '.join(STORE_KINDS)}, or a SPARQL endpoint URL."


class Context:
    """Lazily opens the store once per command."""

    def __init__(self, spec: str | None, debug: bool, as_of: str | None = None) -> None:
        self.spec = spec
        self.debug = debug
        #: ``--as-of DATE|VERSION``: the graph as it was then (see r2pkg.versions).
        self.as_of = as_of
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.spec, as_of=self.as_of)
        return self._store


def _set_store(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.ensure_object(Context).spec = value


def store_option(command):
    """``--store SPEC`` after the command name, as before it (the contract's form)."""
    return click.option("--store", "store_spec", default=None, expose_value=False, is_eager=False,
                        callback=_set_store, help=STORE_HELP)(command)


AS_OF_HELP = "answer from the graph as it was then: a date (2026-12-01), a time or a graph version (0.1.0+3)."
DATA_HELP = "the data directory accepted entries are written to and read from (R2PKG_DATA)."


def _set_as_of(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.ensure_object(Context).as_of = value


def _set_data(_ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:  # an environment variable, so that forked query workers and the ledger agree
        os.environ["R2PKG_DATA"] = str(Path(value).expanduser().resolve())


def as_of_option(command):
    """``--as-of DATE|VERSION`` after the command name, as before it."""
    return click.option("--as-of", "as_of", default=None, expose_value=False, callback=_set_as_of,
                        help=AS_OF_HELP)(command)


def data_option(command):
    """``--data DIR`` after the command name, as before it."""
    return click.option("--data", "data_dir", default=None, expose_value=False, callback=_set_data,
                        is_eager=True, help=DATA_HELP)(command)


class R2pkgGroup(click.Group):
    """Turns R2pkgError into an error line and exit status 2, without a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except R2pkgError as exc:
            debug = bool(ctx.obj and ctx.obj.debug)
            if debug:
                raise
            click.echo(f"error: {exc.message}", err=True)
            if exc.hint:
                click.echo(f"hint: {exc.hint}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=R2pkgGroup)
@click.option("--store", "store_spec", default=None, envvar="R2PKG_STORE", help=STORE_HELP)
@click.option("--debug", is_flag=True, help="show tracebacks.")
@click.option("--as-of", "as_of", default=None, help=AS_OF_HELP)
@click.option("--data", "data_dir", default=None, expose_value=False, callback=_set_data, is_eager=True,
              help=DATA_HELP)
@click.version_option(package_name="r2pkg")
@click.pass_context
def main(ctx: click.Context, store_spec: str | None, debug: bool, as_of: str | None) -> None:
    """r2pkg: a knowledge graph of the Responsibility to Protect."""
    ctx.obj = Context(store_spec, debug, as_of)


#: Connections that send nothing for 10 s are dropped (slowloris), checked every 2 s;
#: waiting connections cost no thread in waitress, so many more than threads are allowed.
WAITRESS_GUARDS = {"channel_timeout": 10, "cleanup_interval": 2, "connection_limit": 1000}


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="port to listen on.")
@store_option
@as_of_option
@data_option
@click.option("--threads", default=32, show_default=True, type=int,
              help="server threads (production server); more than the query slots, so pages answer while they are full.")
@click.option("--dev", is_flag=True, help="use Flask's development server with reloading (never in production).")
@click.pass_obj
def serve(obj: Context, host: str, port: int, threads: int, dev: bool) -> None:
    """Serve the web front end and the SPARQL endpoint on the bundled graph."""
    from r2pkg.web import create_app

    app = create_app(store=obj.store, as_of=obj.as_of)
    click.echo(f"r2pkg: {obj.store.triple_count()} triples on the '{obj.store.kind}' store, graph version "
               f"{app.extensions['r2pkg.graph_version']()}; serving http://{host}:{port}/", err=True)
    if dev:
        app.run(host=host, port=port, debug=True, use_reloader=False)
        return
    import waitress

    from r2pkg.isolation import cap_server_memory
    from r2pkg.web import get_isolator
    from r2pkg.web.preload import preload

    obj.store.ontology()  # read once here, inherited by every forked worker (validation uses it)
    with app.app_context():
        get_isolator().warm(2)  # fork query workers now, while the process has one thread
    cap_server_memory(int(app.config["SERVER_MEMORY_HEADROOM"]))  # workers set their own
    preload(obj.store, app)  # the saved views pages need, read in the background when idle (r2pkg.web.preload)
    waitress.serve(app, host=host, port=port, threads=threads, ident="r2pkg",
                   max_request_body_size=app.config["MAX_CONTENT_LENGTH"],
                   outbuf_overflow=OUTBUF_OVERFLOW, **WAITRESS_GUARDS)


@main.command()
@click.argument("name_or_file", required=False)
@click.option("--param", "params", multiple=True, metavar="K=V", help="a query parameter, repeatable.")
@click.option("--format", "fmt", default="table", show_default=True,
              type=click.Choice(["table", "json", "csv", "tsv", "xml", "turtle", "jsonld", "ntriples"]))
@click.option("--list", "list_", is_flag=True, help="list the saved queries.")
@store_option
@as_of_option
@data_option
@click.pass_obj
def query(obj: Context, name_or_file: str | None, params: tuple[str, ...], fmt: str, list_: bool) -> None:
    """Run a saved query from queries/ (by name) or a query file."""
    from r2pkg.answers import answer, write
    from r2pkg.formats import render_result
    from r2pkg.queries import find_query, run_saved, saved_queries
    from r2pkg.query_views import answer_saved

    if list_ or not name_or_file:
        for name, saved in saved_queries().items():
            click.echo(f"{name:48} {saved.summary}")
            for parameter in saved.parameters:  # each parameter, whether it is needed, its default
                click.echo(f"{'':4}--param {parameter.describe()}")
        return
    values = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"'{item}' is not KEY=VALUE", param_hint="--param")
        values[key] = value
    saved = find_query(name_or_file)
    for parameter in saved.defaults_used(values):  # say so: a default is an answer to another question
        click.echo(f"note: no --param {parameter.name}=…, so the default {parameter.name}={parameter.default} "
                   "is used.", err=True)
    if fmt == "table":
        click.echo(render_result(run_saved(obj.store, saved, values), fmt, obj.store.label), nl=False)
        return
    # written straight to bytes: on Oxigraph, by its own writers, with no rdflib terms made
    bindings = saved.bindings(values, store=obj.store)
    from_views = answer_saved(obj.store, saved.name, saved.text, bindings)  # a view's rows, if one holds them
    body = (write(from_views, fmt) if from_views is not None else answer(obj.store, saved.text, fmt, bindings)).body
    click.echo(body if body.endswith(b"\n") else body + b"\n", nl=False)


@main.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", default="text", show_default=True, type=click.Choice(["text", "json"]))
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="stop the whole-graph check after N findings.")
@store_option
@click.pass_obj
def validate(obj: Context, files: tuple[Path, ...], fmt: str, limit: int | None) -> None:
    """Validate the bundled graph, or new entries (Turtle or JSON-LD) against it."""
    from r2pkg.editing.entries import read_entries
    from r2pkg.editing.validation import validate_entry, validate_store

    if files:
        entry = read_entries(files)
        report = validate_entry(obj.store, entry)
    else:
        report = validate_store(obj.store, limit=limit, progress=_progress_line())
        if sys.stderr.isatty():
            click.echo(err=True)  # ends the progress line
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(report.as_text())
    sys.exit(0 if report.conforms else 1)


def _progress_line():
    """Shows on stderr how far the whole-graph check is: rules run, findings so far, time."""
    import time

    shown = [0.0]
    terminal = sys.stderr.isatty()  # redrawn in place; a log gets a line a second

    def show(state) -> None:
        now = time.monotonic()
        if state.checks_done < state.checks_total and now - shown[0] < (0.2 if terminal else 1.0):
            return
        shown[0] = now
        line = (f"validating: {state.checks_done}/{state.checks_total} rules checked, "
                f"{state.results} finding(s), {state.seconds:.1f} s")
        click.echo(f"\r{line}" if terminal else line, err=True, nl=not terminal)

    return show


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--editor", default=None, envvar="R2PKG_EDITOR",
              help="who accepts the entry (recorded in the change log; default: your user name).")
@click.option("--format", "fmt", default="text", show_default=True, type=click.Choice(["text", "json"]))
@store_option
@data_option
@click.pass_obj
def add(obj: Context, files: tuple[Path, ...], editor: str | None, fmt: str) -> None:
    """Validate entries and, if they conform, add them to the graph (data/entries/) and log it."""
    from r2pkg.editing.accepted import Ledger
    from r2pkg.editing.entries import read_entries

    entry = read_entries(files)
    outcome = Ledger(obj.store).accept(entry, editor or "", name=", ".join(f.name for f in files))
    accepted = outcome.accepted
    if fmt == "json":
        body = {"added": accepted is not None, "report": outcome.report.as_dict()}
        if accepted is not None:
            body.update(id=accepted.id, location=accepted.location, nodes=accepted.nodes,
                        sha256=accepted.checksum, file=str(accepted.folder / "entry.ttl"))
        click.echo(json.dumps(body, indent=2, ensure_ascii=False))
    elif accepted is None:
        click.echo(outcome.report.as_text())
        click.echo("nothing was added: fix the entry and run r2pkg add again.", err=True)
    elif accepted.repeated:
        click.echo(f"already accepted as {accepted.id} ({accepted.folder / 'entry.ttl'}); nothing was added; "
                   f"page: {accepted.location}")
    else:
        click.echo(f"added {accepted.triples} triples as {accepted.folder / 'entry.ttl'} "
                   f"(sha256 {accepted.checksum[:12]}…, editor {accepted.editor}); "
                   f"page: {accepted.location}")
    sys.exit(0 if accepted is not None else 1)


@main.command()
@click.argument("entry_id", metavar="ID")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--editor", default=None, envvar="R2PKG_EDITOR", help="who corrects the entry (default: your user name).")
@click.option("--reason", default="", help="why the entry is corrected (recorded in the change log).")
@click.option("--bundled", is_flag=True, help="ID is a node of the bundled data: the project corrects what the "
              "bundled data says about it (recorded in data/corrections/ of the checkout; needs --reason).")
@click.option("--format", "fmt", default="text", show_default=True, type=click.Choice(["text", "json"]))
@store_option
@data_option
@click.pass_obj
def correct(obj: Context, entry_id: str, file: Path, editor: str | None, reason: str, bundled: bool,
            fmt: str) -> None:
    """Replace accepted entry ID by a new version (validated like an accept); the old one stays in the record."""
    from r2pkg.editing.accepted import Ledger
    from r2pkg.editing.entries import read_entries

    entry = read_entries([file])
    ledger = Ledger(obj.store)
    if bundled:
        outcome = ledger.correct_bundled(entry_id, entry, editor or "", reason, source=file.name)
    else:
        outcome = ledger.correct(entry_id, entry, editor or "", reason, name=file.name)
    _changed(outcome, fmt, "corrected", "nothing was changed: fix the entry and run r2pkg correct again.")


@main.command()
@click.argument("entry_id", metavar="ID")
@click.option("--reason", required=True, help="why the entry is withdrawn (recorded in the change log).")
@click.option("--editor", default=None, envvar="R2PKG_EDITOR", help="who retracts the entry (default: your user name).")
@click.option("--format", "fmt", default="text", show_default=True, type=click.Choice(["text", "json"]))
@store_option
@data_option
@click.pass_obj
def retract(obj: Context, entry_id: str, reason: str, editor: str | None, fmt: str) -> None:
    """Withdraw accepted entry ID from the served graph; it stays in the record."""
    from r2pkg.editing.accepted import Ledger

    outcome = Ledger(obj.store).retract(entry_id, editor or "", reason)
    _changed(outcome, fmt, "retracted", "nothing was withdrawn.")


def _changed(outcome, fmt: str, verb: str, refused: str) -> None:
    """Print a correction's or a retraction's outcome; exit 0 done, 1 refused."""
    done = outcome.accepted
    if fmt == "json":
        body = {verb: done is not None, "report": outcome.report.as_dict()}
        if done is not None:
            body.update(done.as_dict())
        click.echo(json.dumps(body, indent=2, ensure_ascii=False))
    elif done is None:
        click.echo(outcome.report.as_text())
        click.echo(refused, err=True)
    else:
        click.echo(f"{verb} {done.invalidates or 'the bundled statements'} as {done.id} ({done.folder}; editor {done.editor}"
                   + (f", reason: {done.reason}" if done.reason else "") + ")")
    sys.exit(0 if done is not None else 1)


@main.command("new-case")
@click.argument("slug", required=False, default="country-years")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="write to a file instead of stdout.")
def new_case(slug: str, output: Path | None) -> None:
    """Write a commented template of a valid case entry."""
    from r2pkg.editing.entries import case_template

    text = case_template(slug)
    if output:
        if output.exists():
            raise click.ClickException(f"{output} exists; choose another file name.")
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}; fill it in, then run: r2pkg validate {output}", err=True)
    else:
        click.echo(text, nl=False)


@main.command()
@click.argument("node")
@click.option("--to", "target", default=None, help="show only how NODE connects to this node.")
@click.option("--format", "fmt", default="text", show_default=True,
              type=click.Choice(["text", "json", "bibtex", "ris", "csl-json"]),
              help="bibtex, ris and csl-json: the documents and publications on the chain, for a reference manager.")
@store_option
@as_of_option
@data_option
@click.pass_obj
def chain(obj: Context, node: str, target: str | None, fmt: str) -> None:
    """The authority chain(s) of a node, down to the Charter or another root."""
    from r2pkg.chain_cite import chain_sources, export
    from r2pkg.node_chains import chains_of, connection_of

    start = _resolved(obj.store, node)
    if target:
        found = connection_of(obj.store, start, _resolved(obj.store, target))
        _emit(found, fmt)
        sys.exit(0 if found["paths"] else 1)
    found = chains_of(obj.store, start)  # one node's chains, from lookups (r2pkg.node_chains)
    if fmt in ("bibtex", "ris", "csl-json"):
        click.echo(export(chain_sources(obj.store, found), fmt, found["node"]["label"], _graph_version(obj)),
                   nl=False)
    else:
        _emit(found, fmt)
    sys.exit(0 if found["reaches_root"] else 1)


@main.command()
@click.argument("case")
@click.option("--format", "fmt", default="text", show_default=True, type=click.Choice(["text", "json"]))
@store_option
@as_of_option
@data_option
@click.pass_obj
def precedents(obj: Context, case: str, fmt: str) -> None:
    """What a case draws on and what draws on it, and the cases most like it."""
    from r2pkg.namespaces import R2P
    from r2pkg.node_precedents import precedents_of

    found = precedents_of(obj.store, _resolved(obj.store, case, (R2P.Case,)))
    _emit(found, fmt)
    sys.exit(0 if (found["draws_on"] or found["drawn_on_by"] or found["similar"]) else 1)


def _graph_version(obj: Context) -> str:
    """The version of the graph the command reads (release + change log position)."""
    from r2pkg.store import change_log
    from r2pkg.versions import position, version

    log = change_log()
    return version(log, position(log, obj.as_of) if obj.as_of else None)


def _resolved(store: Store, name: str, expect: tuple | None = None):
    """The node a name names (the one resolver, as the web and saved queries use), with the
    other nodes the same label names listed on stderr."""
    from r2pkg.names import resolve_name

    resolution = resolve_name(store, name, expect)
    note = resolution.note(store, name)
    if note:
        click.echo(f"note: {note}", err=True)
    return resolution.node


def _emit(found: dict, fmt: str) -> None:
    from r2pkg.chains import as_text

    if fmt == "json":
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
    else:
        click.echo(as_text(found))


@main.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--store", "target", required=True, help="the SPARQL endpoint (or Graph Store) URL to load into.")
@click.option("--graph", "graph_iri", default=None, envvar="R2PKG_STORE_GRAPH",
              help="named graph to load into (default graph if omitted; R2PKG_STORE_GRAPH).")
@click.option("--batch", default=20000, show_default=True, help="triples per request.")
def load(files: tuple[Path, ...], target: str, graph_iri: str | None, batch: int) -> None:
    """Push the bundled graph (or the given RDF files) into an external triple store."""
    from r2pkg.store import load_graph, open_store
    from r2pkg.store.endpoint import push_graph

    graph: Graph = load_graph(files, kind="memory") if files else open_store("memory").graph  # the log replayed
    push_graph(graph, target, graph_iri=graph_iri, batch=batch)


@main.command()
@store_option
@as_of_option
@data_option
@click.pass_obj
def stats(obj: Context) -> None:
    """Figures of the graph: triples, and nodes by class."""
    for name, value in obj.store.stats().items():
        click.echo(f"{name:16} {value}")
