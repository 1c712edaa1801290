"""Build the quote fingerprints of the source publications from their plain-text copies.

Run from the project root::

    python -m r2pkg.imports.fingerprints [--from DIR] [--out DIR] [--check]

``DIR`` defaults to ``../shared/seeds`` (relative to the project root): the three
publications as text files, named in its README. The result, one
``data/fingerprints/SLUG.txt`` per publication, holds no text: for each line of the copy,
the keyed hashes of the two- and three-word sequences that start on it
(:mod:`r2pkg.editing.fingerprints`). It is committed, so validation and the tests never need the
copies; ``--check`` compares a fresh build with the committed files.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

from r2pkg.editing.fingerprints import KEY, SIZES, fingerprint
from r2pkg.namespaces import R2PID
from r2pkg.store.bundle import project_root

#: Which copy is which publication (the seeds' README, "Source documents").
SOURCES = {
    "000_5a48ef3e3502f14c.txt": "ipi-blue-paper-7",
    "001_434fe6e5655426aa.txt": "stanley-tarrytown-2010",
    "002_9bb3222132af7764.txt": "ipi-stellenbosch-2008",
}


def render(name: str, slug: str, text: bytes) -> str:
    """One publication's fingerprint file."""
    lines = text.decode("utf-8").splitlines()
    prints = fingerprint(lines)
    head = [
        f"# publication: {R2PID}publication/{slug}",
        f"# from: {name} (sha256 {hashlib.sha256(text).hexdigest()}), {len(lines)} lines",
        f"# format: LINE HASH… — keyed BLAKE2b-32 of the {' and '.join(map(str, SIZES))} normalised words "
        f"starting on that line (key {KEY.decode()}); built by python -m r2pkg.imports.fingerprints",
    ]
    body = [f"{line} {' '.join(hashes)}" for line, hashes in sorted(prints.items())]
    return "\n".join(head + body) + "\n"


def build(source: Path, out: Path, check: bool) -> int:
    """Write (or with ``check``, compare) every fingerprint; the exit status."""
    status = 0
    out.mkdir(parents=True, exist_ok=True)
    for name, slug in SOURCES.items():
        path = source / name
        if not path.is_file():
            print(f"error: {path} is missing (see {source / 'README.md'}).", file=sys.stderr)
            return 2
        text = render(name, slug, path.read_bytes())
        target = out / f"{slug}.txt"
        if check:
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                print(f"differs: {target}", file=sys.stderr)
                status = 1
        else:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target}")
    return status


def main(argv: list[str] | None = None) -> int:
    root = project_root()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="source", type=Path, default=root.parent / "shared" / "seeds")
    parser.add_argument("--out", type=Path, default=root / "data" / "fingerprints")
    parser.add_argument("--check", action="store_true", help="compare with the committed files; write nothing.")
    args = parser.parse_args(argv)
    return build(args.source, args.out, args.check)


if __name__ == "__main__":
    sys.exit(main())
