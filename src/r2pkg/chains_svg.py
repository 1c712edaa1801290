"""Pictures of chains, precedents and timelines, drawn on the server as SVG (no scripts, no CDN)."""

from __future__ import annotations

from html import escape

BOX_W, LINE_H, GAP_X, GAP_Y, PAD = 230, 15, 70, 22, 16
CHARS_PER_LINE = 34  # at 12px sans-serif in a 230px box


def wrap(label: str, width: int = CHARS_PER_LINE) -> list[str]:
    """The whole label over as many lines as it needs: words are never cut, and a word
    longer than a line (a symbol, an IRI) is broken at a slash or hyphen, else split."""
    lines: list[str] = []
    current = ""
    for word in label.split():
        while len(word) > width:
            cut = max(word.rfind("/", 0, width), word.rfind("-", 0, width)) + 1 or width
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:cut])
            word = word[cut:]
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current or not lines:
        lines.append(current)
    return lines


def box_height(label: str) -> float:
    return len(wrap(label)) * LINE_H + 16


def _box(x: float, y: float, label: str, href: str | None, css: str, height: float | None = None) -> str:
    lines = wrap(label)
    height = height or box_height(label)
    top = y + (height - len(lines) * LINE_H) / 2 + LINE_H - 3
    spans = "".join(f'<tspan x="{x + BOX_W / 2}" y="{top + i * LINE_H:.1f}">{escape(line)}</tspan>'
                    for i, line in enumerate(lines))
    inner = (f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{height:.0f}" rx="6" class="{css}"/>'
             f'<text text-anchor="middle">{spans}</text>'
             f"<title>{escape(label)}</title>")
    if href:
        return f'<a href="{escape(href)}">{inner}</a>'
    return inner


def _local(iri: str | None) -> str | None:
    base = "https://w3id.org/r2pkg/id/"
    return "/id/" + iri[len(base):] if iri and iri.startswith(base) else iri


# The pictures are drawn inline in the pages, so their colours and dashes live in
# web/static/style.css (under "svg.r2pkg-picture"): an inline <style> element would be refused
# by the pages' Content-Security-Policy (style-src 'self').

#: What the legend explains: (css class of the box, what it means).
LEGEND_BOXES = (("start", "the node asked about"), ("root", "a root: the Charter, the 2005 Outcome or a treaty"),
                ("stop", "where a branch stops short of a root"), ("node", "a step on the way"))
LEGEND_LINES = (("", "stated by a source, or structural (part of)"), ("inferred", "inferred by an editor"),
                ("unsupported", "no claim recorded for this link"),
                ("competence", "an organ's competence, not a legal basis"))


def legend(y: float, boxes: bool = True) -> tuple[str, float]:
    """A key to the colours and dashes, drawn under the picture; returns it and its height."""
    parts = [f'<g class="legend" transform="translate({PAD},{y:.0f})">']
    row = 0
    if boxes:
        for i, (css, meaning) in enumerate(LEGEND_BOXES):
            x = (i % 2) * 360
            row = i // 2
            parts.append(f'<rect x="{x}" y="{row * 20}" width="26" height="14" rx="3" class="{css}"/>'
                         f'<text x="{x + 34}" y="{row * 20 + 11}">{escape(meaning)}</text>')
        row += 1
    for i, (css, meaning) in enumerate(LEGEND_LINES):
        x = (i % 3) * 250
        if i and i % 3 == 0:
            row += 1
        parts.append(f'<line x1="{x}" y1="{row * 20 + 7}" x2="{x + 26}" y2="{row * 20 + 7}" class="{css}"/>'
                     f'<text x="{x + 34}" y="{row * 20 + 11}">{escape(meaning)}</text>')
    parts.append("</g>")
    return "".join(parts), (row + 1) * 20 + 8


def _svg(width: float, height: float, body: list[str], title: str) -> str:
    defs = ('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
            'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="r2pkg-picture" role="img" aria-label="{escape(title)}" '
            f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}">'
            f"<title>{escape(title)}</title>{defs}{''.join(body)}</svg>")


def _edge_css(kind: str) -> str:
    return {"inferred": "inferred", "no claim recorded": "unsupported", "competence": "competence"}.get(kind, "")


def layered(nodes: dict[str, str], edges: list[tuple[str, str, str, str]], layer_of: dict[str, int],
            css_of: dict[str, str], title: str, with_legend: bool = True) -> str:
    """Draw nodes in columns by layer, each box as tall as its wrapped label, with labelled arrows."""
    columns: dict[int, list[str]] = {}
    for iri in nodes:
        columns.setdefault(layer_of.get(iri, 0), []).append(iri)
    pos: dict[str, tuple[float, float]] = {}
    heights = {iri: box_height(label) for iri, label in nodes.items()}
    bottom = PAD
    for layer, members in sorted(columns.items()):
        y = PAD
        for iri in sorted(members, key=lambda i: nodes[i]):
            pos[iri] = (PAD + layer * (BOX_W + GAP_X), y)
            y += heights[iri] + GAP_Y
        bottom = max(bottom, y - GAP_Y)
    width = PAD * 2 + (max(columns) + 1 if columns else 1) * (BOX_W + GAP_X) - GAP_X
    body = []
    for src, dst, label, kind in edges:
        if src not in pos or dst not in pos:
            continue
        (x1, y1), (x2, y2) = pos[src], pos[dst]
        forward = x2 >= x1
        sx, ex = (x1 + BOX_W, x2) if forward else (x1, x2 + BOX_W)
        sy, ey = y1 + heights[src] / 2, y2 + heights[dst] / 2
        body.append(f'<line x1="{sx}" y1="{sy:.1f}" x2="{ex}" y2="{ey:.1f}" class="{_edge_css(kind)}" '
                    f'marker-end="url(#arrow)"><title>{escape(label)}: {escape(kind or "")}</title></line>')
        body.append(f'<text class="edge" x="{(sx + ex) / 2}" y="{(sy + ey) / 2 - 4:.1f}" text-anchor="middle">'
                    f'{escape(label)}</text>')
    for iri, label in nodes.items():
        x, y = pos[iri]
        body.append(_box(x, y, label, _local(iri), css_of.get(iri, "node"), heights[iri]))
    height = bottom + PAD
    if with_legend:
        key, key_height = legend(height)
        body.append(key)
        height += key_height
        width = max(width, 760)
    return _svg(width, height, body, title)


def chain_svg(found: dict) -> str:
    """The authority chains (or the connection paths) of a result as one picture."""
    nodes: dict[str, str] = {}
    edges: list[tuple[str, str, str, str]] = []
    layer: dict[str, int] = {}
    css: dict[str, str] = {}
    start = found["node"]
    nodes[start["iri"]] = start["label"]
    layer[start["iri"]] = 0
    css[start["iri"]] = "start"
    hop_lists = [c["hops"] for c in found.get("chains", [])] + [p["hops"] for p in found.get("partial", [])]
    for hops in hop_lists:
        for depth, hop in enumerate(hops, 1):
            for end in (hop["from"], hop["to"]):
                nodes.setdefault(end["iri"], end["label"])
            layer[hop["to"]["iri"]] = max(layer.get(hop["to"]["iri"], 0), depth)
            kind = "competence" if hop.get("competence") and not hop.get("inferred") else hop.get("assertion", "")
            edge = (hop["from"]["iri"], hop["to"]["iri"], hop["property_label"], kind)
            if edge not in edges:
                edges.append(edge)
    for chain in found.get("chains", []):
        css[chain["root"]["iri"]] = "root"
    for part in found.get("partial", []):
        css[part["ends_at"]["iri"]] = "stop"
    for path in found.get("paths", []):
        for depth, link in enumerate(path, 1):
            nodes.setdefault(link["from"]["iri"], link["from"]["label"])
            nodes.setdefault(link["to"]["iri"], link["to"]["label"])
            layer[link["to"]["iri"]] = max(layer.get(link["to"]["iri"], 0), depth)
            a, b = (link["from"]["iri"], link["to"]["iri"])
            kind = link.get("assertion", "")
            edge = (a, b, link["property_label"], kind) if link["direction"] == "forward" else (b, a, link["property_label"], kind)
            if edge not in edges:
                edges.append(edge)
    return layered(nodes, edges, layer, css, f"Authority chain of {start['label']}")


def precedents_svg(found: dict) -> str:
    """The case in the middle, what it draws on to the right, what draws on it to the left."""
    case = found["case"]
    nodes = {case["iri"]: case["label"]}
    deepest = max([i["depth"] for i in found["drawn_on_by"]], default=0)
    layer = {case["iri"]: deepest}
    css = {case["iri"]: "start"}
    edges = []
    for item in found["draws_on"]:
        nodes[item["iri"]] = item["label"]
        layer[item["iri"]] = deepest + item["depth"]
    for item in found["drawn_on_by"]:
        nodes[item["iri"]] = item["label"]
        layer[item["iri"]] = deepest - item["depth"]
    inferred = {tuple(e) for e in found.get("inferred_edges", [])}
    for src, dst in found.get("edges", []):
        kind = "inferred" if (src, dst) in inferred else ""
        edges.append((src, dst, "draws on (inferred)" if kind else "draws on", kind))
    if not found.get("edges"):
        for item in found["draws_on"]:
            if item["depth"] == 1:
                kind = "inferred" if item.get("inferred") else ""
                edges.append((case["iri"], item["iri"], "draws on (inferred)" if kind else "draws on", kind))
        for item in found["drawn_on_by"]:
            if item["depth"] == 1:
                kind = "inferred" if item.get("inferred") else ""
                edges.append((item["iri"], case["iri"], "draws on (inferred)" if kind else "draws on", kind))
    return layered(nodes, edges, layer, css, f"Precedents of {case['label']}")


def timeline_svg(found: dict) -> str:
    """Responses and related cases on a line of years."""
    events = [e for e in found.get("timeline", []) if e["date"][:4].isdigit()]
    if not events:
        return _svg(400, 40, ['<text x="10" y="24">No dated events recorded.</text>'], "Timeline")
    years = [int(e["date"][:4]) for e in events]
    lo, hi = min(years), max(years)
    span = max(hi - lo, 1)
    width = 900
    height = 60 + 18 * len(events)
    x_of = lambda year: 40 + (width - 80) * (year - lo) / span  # noqa: E731
    body = [f'<line x1="40" y1="30" x2="{width - 40}" y2="30"/>']
    for year in sorted(set(years)):
        body.append(f'<text x="{x_of(year)}" y="20" text-anchor="middle">{year}</text>')
    for year in sorted(set(years)):  # a tick on the axis, not a line down through the rows' text
        body.append(f'<line x1="{x_of(year)}" y1="25" x2="{x_of(year)}" y2="35" class="tick"/>')
    for i, e in enumerate(events):
        x = x_of(int(e["date"][:4]))
        y = 50 + 18 * i
        body.append(f'<circle cx="{x}" cy="{y - 4}" r="3" class="marker"><title>{escape(e["date"])}</title></circle>')
        label = escape(f"{e['date']} · {e['kind']} · {e['label']}")
        href = _local(e.get("iri"))
        text = f'<text x="{x + 8}" y="{y}">{label}</text>'
        body.append(f'<a href="{escape(href)}">{text}</a>' if href else text)
    return _svg(width + 300, height, body, f"Timeline of {found['case']['label']}")
