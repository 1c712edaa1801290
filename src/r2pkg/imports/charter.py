"""Import the official text of the UN Charter from two independent copies, verified by comparison.

Run from the project root::

    python -m r2pkg.imports.charter [--from DIR] [--out FILE] [--check]

``DIR`` defaults to ``../shared/primary/un-charter`` (relative to the project root) and
holds ``copy-a.txt`` (one line per paragraph) and ``copy-b.json`` (chapters, articles,
numbered paragraphs). The result, ``data/backbone/un-charter-text.ttl``, is committed, so
the project's tests never need the copies; ``--check`` compares a fresh import with it.

Why it works the way it does (contract, "Official text"):

- Two copies are compared paragraph by paragraph, normalising only whitespace (runs of
  white space become one space; ends trimmed) and typographic quotes (‘ ’ “ ” become ' and
  "). Where they agree, that string is the provision's ``r2p:text``, taken from copy A and
  confirmed by copy B; both are cited with their locators.
- Every text carries ``r2p:textSha256``: the SHA-256 of the UTF-8 bytes of exactly the
  ``r2p:text`` (or ``r2p:readingText``) literal's lexical form, so a reader can recompute it.
- Where the copies differ, neither is chosen silently: each copy's reading is its own
  ``r2p:TextReading`` node (``r2p:readingText``, never ``r2p:text``), with a note saying
  which words differ and why. Articles 23, 27, 61 and 109 are two versions of the
  Charter, not an error: copy A is the text as amended, copy B the text as signed in 1945;
  each is an ``r2p:TextVersion`` and the article points to the amended one with
  ``r2p:versionInForce``. A transcription error that the copies' README attributes to one
  copy (copy A's "Vll" in Article 2(7); copy B's "VII and VIII" in Article 16) is shown as
  a difference; the other copy's reading becomes the text, marked as resting on one copy.
- Where the only difference is punctuation or capitals (Articles 52(1) and 53(1)), the
  paragraph also says ``r2p:wordsAgree true`` and a ``r2p:textStatus`` of "wording
  verified": the words are confirmed by both copies, the marks are not, and both readings
  stay, so a reader sees the comma or the capital in question instead of an unverified text.
- Chapter headings are taken from the copies (copy A's capitalisation; copy B prints the
  same words in its own case), never typed from memory.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from r2pkg.errors import InputError
from r2pkg.store import project_root

OUT = Path("data/backbone/un-charter-text.ttl")
CHARTER = "https://w3id.org/r2pkg/id/document/un-charter"
AMENDED = {"23", "27", "61", "109"}
#: Differences the copies' README attributes to an error of one copy: (article, paragraph) ->
#: (the copy in error, what the README says).
KNOWN_ERRORS = {
    ("2", "7"): ("A", "copy A prints 'Vll' (two lower-case l) for the chapter number VII; the README of the copies lists it as an error of copy A"),
    ("2", "2"): ("A", "copy A prints 'fulfill' where copy B reads 'fulfil'; the README of the copies lists it as an error of copy A"),
    ("16", None): ("B", "copy B names Chapters VII and VIII where copy A reads XII and XIII; the README of the copies lists it as an error of copy B"),
}
SPELLING = [("co-operation", "cooperation"), ("centre", "center"), ("defence", "defense"),
            ("fulfilment", "fulfillment"), ("neighbourliness", "neighborliness"), ("fulfil", "fulfill"),
            ("neighbours", "neighbors")]
QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def normalise(text: str) -> str:
    """Whitespace runs to one space, ends trimmed, typographic quotes to straight ones: nothing else."""
    return re.sub(r"\s+", " ", text.translate(QUOTES)).strip()


def sha256(text: str) -> str:
    """The checksum a reader recomputes: SHA-256 of the UTF-8 bytes of the literal, in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Article:
    number: str
    chapter: str
    lines_a: list[tuple[int, str]] = field(default_factory=list)   # (line number, text)
    paras_b: list[tuple[str | None, str, str]] = field(default_factory=list)  # (number, text, JSON path)
    headings_a: list[str] = field(default_factory=list)


def read_copy_a(path: Path) -> tuple[dict[str, tuple[str, int]], dict[str, Article]]:
    """Chapters (heading, line) and articles of copy A; a line without lower case inside an article is a section heading."""
    chapters: dict[str, tuple[str, int]] = {}
    articles: dict[str, Article] = {}
    current: Article | None = None
    chapter = ""
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if m := re.match(r"^Chapter ([IVXL]+): (.+)$", line):
            chapter = m.group(1)
            chapters[chapter] = (m.group(2).strip(), no)
            current = None
        elif m := re.match(r"^Article (\d+)$", line):
            current = articles[m.group(1)] = Article(m.group(1), chapter)
        elif current is not None and line.strip():
            if re.search(r"[a-z]", line):
                current.lines_a.append((no, line))
            else:
                current.headings_a.append(line.strip())
    if not chapters or not articles:
        raise InputError(f"{path}: no 'Chapter ROMAN: heading' or 'Article N' lines found; is this copy A of the Charter?")
    return chapters, articles


def read_copy_b(path: Path) -> tuple[dict[str, str], dict[str, list[tuple[str | None, str, str]]]]:
    """Chapters (heading) and each article's paragraphs (number, text, JSON path) of copy B."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        chapters = {c["number"]: c["heading"] for c in data["chapters"]}
        articles = {}
        for ci, c in enumerate(data["chapters"]):
            for ai, a in enumerate(c["articles"]):
                articles[a["number"]] = [
                    (p["number"], p["text"], f"chapters[{ci}].articles[{ai}].paragraphs[{pi}]")
                    for pi, p in enumerate(a["paragraphs"])]
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: not the expected JSON of copy B (chapters → articles → paragraphs): {exc}") from exc
    return chapters, articles


# -- Turtle writing ---------------------------------------------------------------------------

def lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def iri(rest: str = "") -> str:
    return f"<{CHARTER}{rest}>"


def words_diff(a: str, b: str) -> str:
    """The words in which two readings differ, as 'copy A: "…" / copy B: "…"' pieces."""
    wa, wb = a.split(" "), b.split(" ")
    parts = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=wa, b=wb, autojunk=False).get_opcodes():
        if op != "equal":
            parts.append(f"copy A: \"{' '.join(wa[i1:i2])}\" / copy B: \"{' '.join(wb[j1:j2])}\"")
    return "; ".join(parts[:8]) + ("; …" if len(parts) > 8 else "")


def words_of(text: str) -> list[str]:
    """The words of a text, lower case, punctuation dropped: what two readings share when they differ only in marks."""
    return re.findall(r"\w+", text.lower())


WORDING_STATUS = ("wording verified: copies A and B give the same words in the same order and differ only in "
                  "{marks}, which neither copy settles, so both readings are kept (see r2p:differenceNote)")
#: What the two readings differ in, said plainly, by the reason ``why`` gives.
MARKS = {"spacing only": "spacing", "punctuation only": "punctuation", "capitalisation only": "capitals"}


def why(a: str, b: str) -> str:
    """A reason for a difference, from what the differing words look like."""
    if a.replace(" ", "") == b.replace(" ", ""):
        return "spacing only"
    if a.lower() == b.lower():
        return "capitalisation only"
    if re.sub(r"[^\w\s]", "", a) == re.sub(r"[^\w\s]", "", b):
        return "punctuation only"
    spelled = a
    for uk, us in SPELLING:
        spelled = re.sub(rf"\b{uk}", us, spelled)
        spelled = re.sub(rf"\b{uk.capitalize()}", us.capitalize(), spelled)
    if spelled == b:
        return "spelling only: copy A uses the UN's spelling, copy B American spelling"
    return "wording, word order or formatting differ (see the words)"


class Writer:
    """Collects the Turtle for one import."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.counts = {"agree": 0, "differ": 0, "versions": 0, "one-copy": 0, "wording": 0}
        self.wording_only: set[str] = set()
        self.articles_verified: list[str] = []
        self.articles_different: list[str] = []

    def cite(self, copy: str, locator: str) -> str:
        """A copy cited for the words it prints: an instrument speaks in its own voice (issue 22);
        it backs the text, which is structural, so it supports no fact property."""
        return (f"[ a r2p:Citation ; r2p:source doc:un-charter-copy-{copy.lower()} ; "
                f"r2p:locator {lit(locator)} ; r2p:breadth r2p:HeldByPublication ; r2p:assertion r2p:Stated ]")

    def text(self, node: str, text: str, status: str, cites: list[str], source: str) -> None:
        self.out.append(f"{node} r2p:text {lit(text)}@en ;\n    r2p:textSha256 {lit(sha256(text))} ;\n"
                        f"    r2p:textFrom doc:un-charter-copy-{source.lower()} ;\n"
                        f"    r2p:textStatus {lit(status)} ;\n    r2p:evidence " + " ,\n        ".join(cites) + " .\n")

    def reading(self, node: str, suffix: str, copy: str, text: str, cite: str, note: str, label: str,
                kind: str = "TextReading", version: str | None = None) -> str:
        reading = node[:-1] + f"/{suffix}>"
        extra = f"    r2p:version {lit(version)}@en ;\n" if version else ""
        self.out.append(
            f"{reading} a r2p:{kind} ;\n    rdfs:label {lit(label)}@en ;\n    r2p:readingOf {node} ;\n{extra}"
            f"    r2p:readingText {lit(text)}@en ;\n    r2p:textSha256 {lit(sha256(text))} ;\n"
            f"    r2p:textFrom doc:un-charter-copy-{copy.lower()} ;\n    r2p:note {lit(note)}@en ;\n"
            f"    r2p:evidence {cite} .\n")
        return reading


def build(source: Path) -> tuple[str, Writer]:
    """The Turtle of the verified Charter text, and the counts of what agreed and what did not."""
    for name in ("copy-a.txt", "copy-b.json"):
        if not (source / name).is_file():
            raise InputError(f"{source / name}: missing. Point --from at the folder with copy-a.txt and copy-b.json "
                             "(by default ../shared/primary/un-charter from the project root).")
    chapters_a, articles = read_copy_a(source / "copy-a.txt")
    chapters_b, paras_b = read_copy_b(source / "copy-b.json")
    w = Writer()
    w.out.append(HEADER)
    for roman, (heading, line) in chapters_a.items():
        node = iri(f"/chapter-{roman}")
        b = chapters_b.get(roman, "")
        agree = normalise(heading).lower() == normalise(b).lower()
        note = ("Both copies print this heading; copy B in its own capitalisation." if agree else
                f"The copies differ: copy B prints {lit(b)}.")
        w.out.append(f"{node} a r2p:CharterChapter ;\n    rdfs:label {lit(f'UN Charter, Chapter {roman}: {heading}')}@en ;\n"
                     f"    r2p:number {lit(roman)} ;\n    r2p:partOf doc:un-charter ;\n"
                     f"    r2p:heading {lit(heading)}@en ;\n    r2p:headingNote {lit(note)}@en ;\n"
                     f"    r2p:evidence {w.cite('A', f'copy-a.txt, line {line}')} ,\n"
                     f"        {w.cite('B', f'copy-b.json, chapter {roman}, heading')} .\n")
    for number, art in sorted(articles.items(), key=lambda kv: int(kv[0])):
        art.paras_b = paras_b.get(number, [])
        _article(w, art)
    return "\n".join(w.out), w


def _article(w: Writer, art: Article) -> None:
    node = iri(f"/article-{art.number}")
    w.out.append(f"{node} a r2p:CharterArticle ;\n    rdfs:label {lit(f'UN Charter, Article {art.number}')}@en ;\n"
                 f"    r2p:number {lit(art.number)} ;\n    r2p:partOf {iri(f'/chapter-{art.chapter}')} .\n")
    a_texts = [normalise(t) for _, t in art.lines_a]
    b_texts = [normalise(t) for _, t, _ in art.paras_b]
    if art.number in AMENDED:
        _versions(w, art, node, a_texts, b_texts)
        return
    if len(a_texts) != len(b_texts):
        _structure_differs(w, art, node, a_texts, b_texts)
        return
    all_agree = True
    for (line, _), (pnum, _, path), ta, tb in zip(art.lines_a, art.paras_b, a_texts, b_texts):
        single = len(b_texts) == 1
        pnode = node if single or pnum is None else iri(f"/article-{art.number}/para-{pnum}")
        if pnode != node:
            w.out.append(f"{pnode} a r2p:CharterParagraph ;\n    rdfs:label {lit(f'UN Charter, Article {art.number}({pnum})')}@en ;\n"
                         f"    r2p:number {lit(pnum)} ;\n    r2p:partOf {node} .\n")
        where_a, where_b = f"copy-a.txt, line {line}", f"copy-b.json, {path}"
        if pnum is None and not single:  # an unnumbered lead-in: kept on the article as its lead-in
            pnode_text = "r2p:leadIn"
        else:
            pnode_text = "r2p:text"
        if ta == tb:
            w.counts["agree"] += 1
            status = "verified: copies A and B agree (whitespace and typographic quotes normalised)"
            if pnode_text == "r2p:text":
                w.text(pnode, ta, status, [w.cite("A", where_a), w.cite("B", where_b)], "A")
            else:
                w.out.append(f"{pnode} r2p:leadIn {lit(ta)}@en ;\n    r2p:leadInSha256 {lit(sha256(ta))} .\n")
            continue
        all_agree = False
        w.counts["differ"] += 1
        _differ(w, art, pnode, pnum, ta, tb, w.cite("A", where_a), w.cite("B", where_b))
    (w.articles_verified if all_agree else w.articles_different).append(art.number)


def _differ(w: Writer, art: Article, pnode: str, pnum: str | None, ta: str, tb: str, cite_a: str, cite_b: str) -> None:
    """Both readings of a paragraph the copies give differently, and, for a known one-copy error, the other as text."""
    diff = words_diff(ta, tb)
    key = (art.number, None if len(art.paras_b) == 1 else pnum)
    where = f"Article {art.number}" + (f"({pnum})" if key[1] else "")
    if key in KNOWN_ERRORS:
        wrong, reason = KNOWN_ERRORS[key]
        right = "B" if wrong == "A" else "A"
        # the reading in error is shown by its differing words only, never written out as text
        w.out.append(f"{pnode} r2p:differenceNote {lit(f'The copies differ: {diff}. Why: {reason}.')}@en .\n")
        w.text(pnode, tb if right == "B" else ta,
               f"one copy: the other copy has a transcription error in this paragraph (copy {wrong}); see r2p:differenceNote",
               [cite_b if right == "B" else cite_a], right)
        w.counts["one-copy"] += 1
        return
    reason = why(" ".join(ta.split()), " ".join(tb.split()))
    w.out.append(f"{pnode} r2p:differenceNote {lit(f'The copies differ; neither is chosen. {diff}. Why: {reason}.')}@en .\n")
    if words_of(ta) == words_of(tb):
        # The words are confirmed by both copies; only a comma or a capital is not, so the
        # paragraph says so instead of passing for unverified, and both readings stay.
        w.counts["wording"] += 1
        w.wording_only.add(art.number)
        w.out.append(f"{pnode} r2p:wordsAgree true ;\n    r2p:textStatus {lit(WORDING_STATUS.format(marks=MARKS.get(reason, 'punctuation and capitals')))} .\n")
    w.reading(pnode, "reading-a", "A", ta, cite_a, f"Copy A's reading. {reason}.", f"{where}, reading of copy A")
    w.reading(pnode, "reading-b", "B", tb, cite_b, f"Copy B's reading. {reason}.", f"{where}, reading of copy B")


def _structure_differs(w: Writer, art: Article, node: str, a_texts: list[str], b_texts: list[str]) -> None:
    w.counts["differ"] += 1
    w.articles_different.append(art.number)
    ta, tb = "\n".join(a_texts), "\n".join(b_texts)
    note = (f"The copies divide Article {art.number} differently (copy A: {len(a_texts)} lines, copy B: "
            f"{len(b_texts)} paragraphs; copy B writes lettered sub-paragraphs inline as (a), (b)), so it is "
            "compared as a whole and neither reading is chosen.")
    w.out.append(f"{node} r2p:differenceNote {lit(note)}@en .\n")
    first_a, last_a = art.lines_a[0][0], art.lines_a[-1][0]
    w.reading(node, "reading-a", "A", ta, w.cite("A", f"copy-a.txt, lines {first_a}-{last_a}"), note,
              f"Article {art.number}, reading of copy A")
    w.reading(node, "reading-b", "B", tb, w.cite("B", f"copy-b.json, article {art.number}"), note,
              f"Article {art.number}, reading of copy B")


def _versions(w: Writer, art: Article, node: str, a_texts: list[str], b_texts: list[str]) -> None:
    w.counts["versions"] += 1
    w.articles_different.append(art.number)
    ta, tb = "\n".join(a_texts), "\n".join(b_texts)
    first_a, last_a = art.lines_a[0][0], art.lines_a[-1][0]
    note = (f"Article {art.number} was amended: copy A gives the text as amended, copy B the text as signed "
            "in 1945 (the copies' README). Both are the Charter, at different times; neither copy says when "
            "the amendment came into force. Each version rests on one copy only.")
    amended = w.reading(node, "version-amended", "A", ta, w.cite("A", f"copy-a.txt, lines {first_a}-{last_a}"),
                        note, f"UN Charter, Article {art.number}, as amended", "TextVersion", "as amended")
    w.reading(node, "version-1945", "B", tb, w.cite("B", f"copy-b.json, article {art.number}"), note,
              f"UN Charter, Article {art.number}, as signed in 1945", "TextVersion", "as signed in 1945")
    w.out.append(f"{node} r2p:versionInForce {amended} ;\n    r2p:differenceNote {lit(note)}@en .\n")


HEADER = """# GENERATED by `python -m r2pkg.imports.charter` from the two copies of the UN Charter in
# ../shared/primary/un-charter (copy-a.txt, copy-b.json). Do not edit by hand: rerun the script.
# r2p:text is a paragraph on which both copies agree (whitespace and typographic quotes
# normalised); r2p:textSha256 is the SHA-256 (hex) of the UTF-8 bytes of that literal's text.
# Where the copies differ, both readings are kept (r2p:TextReading, r2p:TextVersion).
@prefix r2p:  <https://w3id.org/r2pkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix doc:  <https://w3id.org/r2pkg/id/document/> .

doc:un-charter-copy-a a r2p:Document ;
    rdfs:label "UN Charter, copy A (plain text scraped from the UN's web page of the Charter, as amended)"@en ;
    r2p:note "The public repository kleinlennart/un-charter-corpus, file data/raw/raw_un_charter_en.txt; one line per paragraph, paragraph numbers not kept; not certified."@en ;
    r2p:copyOf doc:un-charter .

doc:un-charter-copy-b a r2p:Document ;
    rdfs:label "UN Charter, copy B (transcription of the text as signed in 1945)"@en ;
    r2p:note "The public repository b-steger/too, file src/uncharter.lisp, extracted to JSON with the text unchanged; its header names the UN's web page and the certified PDF in the UN Treaty Collection as its authority; not certified."@en ;
    r2p:copyOf doc:un-charter .
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m r2pkg.imports.charter", description=__doc__.split("\n\n")[0])
    root = project_root()
    parser.add_argument("--from", dest="source", type=Path, default=root.parent / "shared" / "primary" / "un-charter",
                        help="folder with copy-a.txt and copy-b.json (default: ../shared/primary/un-charter)")
    parser.add_argument("--out", type=Path, default=root / OUT, help=f"Turtle file to write (default: {OUT})")
    parser.add_argument("--check", action="store_true", help="compare a fresh import with --out instead of writing it")
    args = parser.parse_args(argv)
    try:
        turtle, w = build(args.source)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        same = args.out.is_file() and args.out.read_text(encoding="utf-8") == turtle
        print(f"{args.out}: {'up to date' if same else 'DIFFERS from a fresh import; rerun without --check'}")
        return 0 if same else 1
    args.out.write_text(turtle, encoding="utf-8")
    print(f"wrote {args.out}: {w.counts['agree']} paragraphs agree, {w.counts['differ']} differ "
          f"({w.counts['one-copy']} resolved to one copy for a listed transcription error), "
          f"{w.counts['versions']} amended articles in two versions; articles verified in full: "
          f"{len(w.articles_verified)}, with a difference: {len(w.articles_different)}; "
          f"paragraphs whose words agree and marks differ: {w.counts['wording']} "
          f"(Articles {', '.join(sorted(w.wording_only, key=int)) or 'none'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
