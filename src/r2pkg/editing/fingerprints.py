"""Is a quote in its source? Checked against a fingerprint of the source, not its text.

The publications cannot ship in the project, but a fingerprint of each can: for every
word of the text, a short keyed hash of the two and the three normalised words that start
there, with the line they start on (``data/fingerprints/SLUG.txt``, built by
:mod:`r2pkg.imports.fingerprints`). A quote is found when its word n-grams follow one
another through the fingerprint, each on the same line as the one before or a line or three further
(a quotation may run across a line end and a blank line), and the first starts within three lines of the
cited line. Normalising (case, accents, punctuation, hyphens broken at a line end) lets a
quote differ from the extraction only where a reader would not see a difference.

A source without a fingerprint (an official document the project holds no copy of) is
accepted as before; a quote too short to fingerprint (one word) is not checked.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: n-gram sizes in a fingerprint: three words for quotes of three words and more, two for two.
SIZES = (2, 3)
#: How far the quote's first words may be from its cited line.
NEAR = 3
#: The key of the hash: fingerprints are comparable only with the same key.
KEY = b"r2pkg-quote-fingerprint-1"
_WORD = re.compile(r"[a-z0-9]+")
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "ﬁ": "fi", "ﬂ": "fl"})


def words(text: str) -> list[str]:
    """The normalised words of a text: lower case, no accents, apostrophes and hyphens dropped."""
    text = text.translate(_QUOTES)
    if not text.isascii():  # most quotes are: decomposing them char by char was most of the cost
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.lower()
    text = re.sub(r"(?<=[a-z])['-](?=[a-z])", "", text)  # "non-paper", "council's" as one word
    return _WORD.findall(text)


def gram_hash(gram: Iterable[str]) -> str:
    """Eight hex digits of a keyed BLAKE2b of the words, joined by single spaces."""
    return hashlib.blake2b(" ".join(gram).encode("utf-8"), key=KEY, digest_size=4).hexdigest()


def line_words(lines: list[str]) -> list[tuple[str, int]]:
    """Every word of a text with the (1-based) line it is on; a word hyphenated at a line
    end counts whole, on the line where it starts."""
    out: list[tuple[str, int]] = []
    carry: tuple[str, int] | None = None
    for number, line in enumerate(lines, start=1):
        found = words(line)
        if carry is not None and found:
            found[0] = carry[0] + found[0]
            out.append((found.pop(0), carry[1]))
        elif carry is not None:
            out.append(carry)
        carry = None
        if found and re.search(r"[A-Za-z]-\s*$", line):
            carry = (found.pop(), number)
        out.extend((w, number) for w in found)
    if carry is not None:
        out.append(carry)
    return out


def fingerprint(lines: list[str]) -> dict[int, list[str]]:
    """For each line, the hashes of the n-grams that start on it (every size in SIZES)."""
    located = line_words(lines)
    text = [w for w, _ in located]
    out: dict[int, list[str]] = {}
    for i, (_, line) in enumerate(located):
        for size in SIZES:
            if i + size <= len(text):
                out.setdefault(line, []).append(gram_hash(text[i:i + size]))
    return out


@dataclass(frozen=True)
class Fingerprint:
    """One publication's fingerprint: n-gram hash → the lines it starts on."""

    lines_of: dict[str, frozenset[int]]

    @classmethod
    def read(cls, path: Path) -> Fingerprint:
        index: dict[str, set[int]] = {}
        for row in path.read_text(encoding="utf-8").splitlines():
            if not row or row.startswith("#"):
                continue
            number, *hashes = row.split()
            for h in hashes:
                index.setdefault(h, set()).add(int(number))
        return cls({h: frozenset(ls) for h, ls in index.items()})

    def find(self, quote: str, line: int | None) -> str | None:
        """None when the quote is found (near ``line`` if given); else what is wrong, in words."""
        found = words(quote)
        if len(found) < min(SIZES):
            return None
        size = min(max(SIZES), len(found))
        grams = [gram_hash(found[i:i + size]) for i in range(len(found) - size + 1)]
        missing = [g for g in grams if g not in self.lines_of]
        if len(missing) == len(grams) or (missing and len(grams) - len(missing) < 0.8 * len(grams)):
            return "absent"
        if line is not None and self._chains(grams, line):
            return None  # found where cited: the common case, and the cheap one
        starts = self._chains(grams)
        if not starts:
            return "absent"
        if line is not None and not any(abs(start - line) <= NEAR for start in starts):
            return f"elsewhere:{min(starts, key=lambda s: abs(s - line))}"
        return None

    def _chains(self, grams: list[str], near: int | None = None) -> set[int]:
        """Lines where a run of the quote's n-grams starts and goes on, line by line (only
        runs starting within NEAR lines of ``near``, when given: a quote's first words are
        common words on hundreds of lines, and following every run cost most of the check).

        A few n-grams may be missing (a word damaged in the extraction); the run goes on
        across them.
        """
        reach: dict[int, set[int]] = {}  # line a run is at → the lines such runs started on
        for gram in grams:
            lines = self.lines_of.get(gram)
            if lines is None:
                continue
            if not reach:
                reach = {line: {line} for line in lines if near is None or abs(line - near) <= NEAR}
                if not reach:
                    return set()
                continue
            step: dict[int, set[int]] = {}
            if 4 * len(reach) < len(lines):  # from the few lines reached, not the many of the gram
                for prev, began in reach.items():
                    for line in range(prev, prev + 4):
                        if line in lines:
                            step.setdefault(line, set()).update(began)
            else:
                for line in lines:
                    for prev in range(line, line - 4, -1):
                        if prev in reach:
                            step.setdefault(line, set()).update(reach[prev])
            if not step:
                return set()
            reach = step
        return set().union(*reach.values()) if reach else set()


@functools.lru_cache(maxsize=None)
def load(folder: Path) -> dict[str, Fingerprint]:
    """Every fingerprint in ``folder``, by the publication's IRI (read from each file's header)."""
    out: dict[str, Fingerprint] = {}
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.txt")):
        header = path.read_text(encoding="utf-8").split("\n", 3)[:3]
        iri = next((h.split(":", 1)[1].strip() for h in header if h.startswith("# publication:")), None)
        if iri:
            out[iri] = Fingerprint.read(path)
    return out


def message(problem: str, source_label: str, line: int | None) -> str:
    """The finding's text for what :meth:`Fingerprint.find` returned."""
    if problem == "absent":
        return (f"The quote's words are not in '{source_label}': check it against the source, "
                "word for word (a quotation is copied, not paraphrased).")
    found = problem.split(":", 1)[1]
    return (f"The quote is in '{source_label}', but at line {found}, not near the cited line {line} "
            f"(within {NEAR} lines).")


__all__ = ["Fingerprint", "fingerprint", "gram_hash", "load", "message", "words"]
