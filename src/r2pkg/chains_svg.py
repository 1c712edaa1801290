"""Pictures of chains, precedents and timelines, drawn on the server as SVG (no scripts, no CDN)."""

from __future__ import annotations

from html import escape

BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 230, 46, 70, 22, 16


def _box(x: float, y: float, label: str, href: str | None, css: str) -> str:
    text = escape(label if len(label) <= 34 else label[:32] + "…")
    title = escape(label)
    inner = (f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" class="{css}"/>'
             f'<text x="{x + BOX_W / 2}" y="{y + BOX_H / 2 + 4}" text-anchor="middle">{text}</text>'
             f"<title>{title}</title>")
    if href:
        return f'<a href="{escape(href)}">{inner}</a>'
    return inner


def _local(iri: str | None) -> str | None:
    base = "https://w3id.org/r2pkg/id/"
    return "/id/" + iri[len(base):] if iri and iri.startswith(base) else iri


def _svg(width: float, height: float, body: list[str], title: str) -> str:
    style = ("<style>rect.node{fill:#eef3f8;stroke:#0b3d62}rect.root{fill:#e3f1e3;stroke:#1f6f1f}"
             "rect.start{fill:#fff4dc;stroke:#a26a00}rect.stop{fill:#fbe4e4;stroke:#a00}"
             "text{font:12px sans-serif;fill:#111}line,path{stroke:#555;fill:none}"
             "text.edge{font-size:10px;fill:#444}line.inferred{stroke-dasharray:5 3}</style>")
    defs = ('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
            'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
            f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}">'
            f"<title>{escape(title)}</title>{style}{defs}{''.join(body)}</svg>")


def layered(nodes: dict[str, str], edges: list[tuple[str, str, str, str]], layer_of: dict[str, int],
            css_of: dict[str, str], title: str) -> str:
    """Draw nodes in columns by layer, with labelled arrows between them."""
    columns: dict[int, list[str]] = {}
    for iri in nodes:
        columns.setdefault(layer_of.get(iri, 0), []).append(iri)
    pos: dict[str, tuple[float, float]] = {}
    for layer, members in sorted(columns.items()):
        for row, iri in enumerate(sorted(members, key=lambda i: nodes[i])):
            pos[iri] = (PAD + layer * (BOX_W + GAP_X), PAD + row * (BOX_H + GAP_Y))
    width = PAD * 2 + (max(columns) + 1 if columns else 1) * (BOX_W + GAP_X) - GAP_X
    height = PAD * 2 + max((len(m) for m in columns.values()), default=1) * (BOX_H + GAP_Y) - GAP_Y
    body = []
    for src, dst, label, kind in edges:
        if src not in pos or dst not in pos:
            continue
        (x1, y1), (x2, y2) = pos[src], pos[dst]
        forward = x2 >= x1
        sx, ex = (x1 + BOX_W, x2) if forward else (x1, x2 + BOX_W)
        sy, ey = y1 + BOX_H / 2, y2 + BOX_H / 2
        css = "inferred" if kind == "inferred" else ""
        body.append(f'<line x1="{sx}" y1="{sy}" x2="{ex}" y2="{ey}" class="{css}" marker-end="url(#arrow)"/>')
        body.append(f'<text class="edge" x="{(sx + ex) / 2}" y="{(sy + ey) / 2 - 4}" text-anchor="middle">{escape(label)}</text>')
    for iri, label in nodes.items():
        x, y = pos[iri]
        body.append(_box(x, y, label, _local(iri), css_of.get(iri, "node")))
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
            edge = (hop["from"]["iri"], hop["to"]["iri"], hop["property_label"], hop.get("assertion", ""))
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
            edge = (a, b, link["property_label"], "") if link["direction"] == "forward" else (b, a, link["property_label"], "")
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
    for i, e in enumerate(events):
        x = x_of(int(e["date"][:4]))
        y = 50 + 18 * i
        body.append(f'<line x1="{x}" y1="30" x2="{x}" y2="{y - 4}" class="inferred"/>')
        label = escape(f"{e['date']} · {e['kind']} · {e['label']}")
        href = _local(e.get("iri"))
        text = f'<text x="{x + 4}" y="{y}">{label}</text>'
        body.append(f'<a href="{escape(href)}">{text}</a>' if href else text)
    return _svg(width + 300, height, body, f"Timeline of {found['case']['label']}")
