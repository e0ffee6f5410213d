"""Draw a map: swimlane SVG and Mermaid text. Pure: takes a ``Drawing``, touches no ORM."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape

from workflows import layout as lay

FRICTION_COLOURS = {1: "#b7791f", 2: "#c05621", 3: "#c53030"}


@dataclass(frozen=True)
class LaneD:
    id: int
    team_id: int
    name: str


@dataclass(frozen=True)
class StepD:
    id: int
    lane: int
    name: str
    order: int


@dataclass(frozen=True)
class TransitionD:
    id: int
    source: int
    target: int
    label: str
    rule_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class FrictionD:
    id: int
    step: int | None
    transition: int | None
    kind: str
    severity: int
    status: str


@dataclass(frozen=True)
class Figures:
    """Live figures of one handoff point over the chosen period."""

    created: int
    median_ack_minutes: float | None
    missed: int

    def text(self) -> str:
        ack = "—" if self.median_ack_minutes is None else _minutes(self.median_ack_minutes)
        return f"{self.created} · {ack} · {self.missed} missed"


@dataclass
class Drawing:
    name: str
    lanes: list[LaneD] = field(default_factory=list)
    steps: list[StepD] = field(default_factory=list)
    transitions: list[TransitionD] = field(default_factory=list)
    frictions: list[FrictionD] = field(default_factory=list)

    def lane_of(self) -> dict[int, int]:
        return {s.id: s.lane for s in self.steps}

    def is_handoff(self, t: TransitionD) -> bool:
        lanes = self.lane_of()
        return lanes.get(t.source) != lanes.get(t.target)

    def layout(self) -> lay.Layout:
        return lay.layout(
            [lane.id for lane in self.lanes],
            [lay.StepIn(s.id, s.lane, s.order) for s in self.steps],
            [lay.EdgeIn(t.id, t.source, t.target) for t in self.transitions],
        )


def _minutes(m: float) -> str:
    if m < 90:
        return f"{m:.0f} min"
    return f"{m / 60:.1f} h"


def svg(
    drawing: Drawing,
    figures: dict[int, Figures] | None = None,
    *,
    links: bool = False,
    period_label: str = "",
) -> str:
    """The map as a standalone SVG document. ``links`` makes steps and handoff points focusable
    links to their edit forms (for the page; exports leave them out)."""
    figures = figures or {}
    lo = drawing.layout()
    names = {lane.id: lane.name for lane in drawing.lanes}
    steps = {s.id: s for s in drawing.steps}
    frictions_on_step: dict[int, list[FrictionD]] = {}
    frictions_on_edge: dict[int, list[FrictionD]] = {}
    for f in drawing.frictions:
        if f.status in ("resolved", "dropped"):
            continue
        if f.step is not None:
            frictions_on_step.setdefault(f.step, []).append(f)
        elif f.transition is not None:
            frictions_on_edge.setdefault(f.transition, []).append(f)
    w, h = round(lo.width), round(lo.height)
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" '
        f'height="{h}" role="{"group" if links else "img"}" aria-labelledby="map-title" '
        f'class="swimlanes" '
        f'font-family="system-ui, sans-serif" font-size="13">',
        f'<title id="map-title">{escape(drawing.name)}</title>',
        "<defs>"
        '<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#4a5568"/></marker>'
        "</defs>",
        f'<rect x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/>',
    ]
    # Legend.
    out.append(
        '<g class="legend" font-size="12" fill="#2d3748">'
        '<line x1="16" y1="20" x2="52" y2="20" stroke="#2f855a" stroke-width="3"/>'
        '<text x="58" y="24">automated handoff (linked rule)</text>'
        '<line x1="270" y1="20" x2="306" y2="20" stroke="#c05621" stroke-width="3" '
        'stroke-dasharray="6 4"/>'
        '<text x="312" y="24">manual handoff</text>'
        '<path d="M440,12 l8,14 h-16 z" fill="#c53030"/><text x="456" y="24">friction point</text>'
        + (
            f'<text x="570" y="24">figures: handoffs · median time to acknowledge · missed'
            f"{escape(' (' + period_label + ')') if period_label else ''}</text>"
            if figures
            else ""
        )
        + "</g>"
    )
    for i, band in enumerate(lo.bands):
        fill = "#f7fafc" if i % 2 == 0 else "#edf2f7"
        out.append(
            f'<g class="lane"><rect x="0" y="{band.y}" width="{w}" height="{band.h}" '
            f'fill="{fill}" stroke="#cbd5e0"/>'
            f"{_lane_label(names.get(band.lane, ''), band.y + band.h / 2)}</g>"
        )
    # Transitions under the boxes.
    for t in drawing.transitions:
        route = lo.routes.get(t.id)
        if route is None:
            continue
        handoff = drawing.is_handoff(t)
        automated = bool(t.rule_names)
        if handoff and automated:
            stroke, dash, cls = "#2f855a", "", "handoff automated"
        elif handoff:
            stroke, dash, cls = "#c05621", ' stroke-dasharray="6 4"', "handoff manual"
        else:
            stroke, dash, cls = "#4a5568", "", "transition"
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(route.points)
        )
        src, dst = steps[t.source].name, steps[t.target].name
        title = f"{src} → {dst}" + (f": {t.label}" if t.label else "")
        if handoff:
            title += " (automated by " + ", ".join(t.rule_names) + ")" if automated else " (manual)"
        out.append(
            f'<g class="{cls}" data-transition="{t.id}"><title>{escape(title)}</title>'
            f'<path d="{path}" fill="none" stroke="{stroke}" stroke-width="{3 if handoff else 2}"'
            f'{dash} marker-end="url(#arrow)"/>'
        )
        ax, ay = route.anchor
        label_y = ay - 8
        if t.label:
            out.append(
                f'<text x="{route.points[0][0] + 4:.1f}" y="{label_y:.1f}" font-size="11" '
                f'fill="#2d3748">{escape(lay.short(t.label))}</text>'
            )
        if handoff:
            marker = (
                f'<circle cx="{ax:.1f}" cy="{ay:.1f}" r="7" fill="{stroke}"/>'
                if automated
                else f'<circle cx="{ax:.1f}" cy="{ay:.1f}" r="7" fill="#fff" stroke="{stroke}" '
                f'stroke-width="2"/>'
            )
            if links:
                marker = (
                    f'<a href="#transition-{t.id}" class="point-link" '
                    f'aria-label="Handoff point {escape(title)}">{marker}</a>'
                )
            out.append(marker)
            fig = figures.get(t.id)
            if fig is not None:
                # Inside the gap right of the source box, clear of every box.
                bx = route.points[0][0] + 4
                by = ay + 10
                bw = lay.GAP_X - 8
                out.append(
                    f'<g class="figures" data-figures="{t.id}">'
                    f'<rect x="{bx:.1f}" y="{by:.1f}" width="{bw:.1f}" height="30" rx="4" '
                    f'fill="#fff" stroke="{stroke}"/>'
                    f'<text x="{bx + 5:.1f}" y="{by + 12:.1f}" font-size="10" fill="#1a202c">'
                    f"{fig.created} handoffs</text>"
                    f'<text x="{bx + 5:.1f}" y="{by + 25:.1f}" font-size="10" fill="#1a202c">'
                    f"{escape(_ack_short(fig))}</text></g>"
                )
        for k, f in enumerate(frictions_on_edge.get(t.id, [])):
            fx, fy = ax + 10 + 14 * k, ay - 22
            out.append(_friction(fx, fy, f))
        out.append("</g>")
    for s in drawing.steps:
        box = lo.boxes[s.id]
        label = escape(lay.short(s.name, 20))
        rect = (
            f'<rect x="{box.x}" y="{box.y}" width="{box.w}" height="{box.h}" rx="6" '
            f'fill="#ffffff" stroke="#2b6cb0" stroke-width="1.5"/>'
            f'<text x="{box.cx}" y="{box.cy + 4.5}" text-anchor="middle" fill="#1a202c">'
            f"{label}</text>"
        )
        if links:
            rect = (
                f'<a href="#step-{s.id}" class="step-link" aria-label="Step {escape(s.name)}">'
                f"{rect}</a>"
            )
        out.append(f'<g class="step" data-step="{s.id}"><title>{escape(s.name)}</title>{rect}')
        for k, f in enumerate(frictions_on_step.get(s.id, [])):
            out.append(_friction(box.x + box.w - 10 - 14 * k, box.y - 4, f))
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)


def _lane_label(name: str, middle: float) -> str:
    """The lane's team name, on two lines when it is long."""
    words = name.split()
    if len(name) <= 16 or len(words) < 2:
        return (
            f'<text x="12" y="{middle + 5:.1f}" font-weight="600" fill="#1a202c">'
            f"{escape(lay.short(name, 16))}</text>"
        )
    half = len(words) // 2 or 1
    first, second = " ".join(words[:half]), " ".join(words[half:])
    return (
        f'<text x="12" y="{middle - 3:.1f}" font-weight="600" fill="#1a202c">'
        f'<tspan x="12">{escape(lay.short(first, 16))}</tspan>'
        f'<tspan x="12" dy="16">{escape(lay.short(second, 16))}</tspan></text>'
    )


def _ack_short(fig: Figures) -> str:
    ack = "—" if fig.median_ack_minutes is None else _minutes(fig.median_ack_minutes)
    return f"{ack} · {fig.missed} missed"


def _friction(x: float, y: float, f: FrictionD) -> str:
    colour = FRICTION_COLOURS.get(f.severity, "#c53030")
    return (
        f'<g class="friction" data-friction="{f.id}"><title>Friction: {escape(f.kind)} '
        f"(severity {f.severity}, {escape(f.status)})</title>"
        f'<path d="M{x:.1f},{y - 8:.1f} l7,13 h-14 z" fill="{colour}" stroke="#fff"/>'
        f'<text x="{x:.1f}" y="{y + 3.5:.1f}" text-anchor="middle" font-size="9" '
        f'font-weight="700" fill="#fff">!</text></g>'
    )


def _mermaid_id(prefix: str, pk: int) -> str:
    return f"{prefix}{pk}"


def _mermaid_text(text: str) -> str:
    # Mermaid reads "…" as a literal label; a double quote inside must be an entity.
    return '"' + re.sub(r'"', "#quot;", text) + '"'


def mermaid(drawing: Drawing) -> str:
    """A ``flowchart LR`` with one ``subgraph`` per lane; handoff points are thick when
    automated and dotted when manual."""
    lines = ["flowchart LR"]
    by_lane: dict[int, list[StepD]] = {}
    for s in drawing.steps:
        by_lane.setdefault(s.lane, []).append(s)
    for lane in drawing.lanes:
        lines.append(f"  subgraph {_mermaid_id('lane', lane.id)}[{_mermaid_text(lane.name)}]")
        for s in sorted(by_lane.get(lane.id, []), key=lambda s: (s.order, s.id)):
            lines.append(f"    {_mermaid_id('s', s.id)}[{_mermaid_text(s.name)}]")
        lines.append("  end")
    for t in drawing.transitions:
        a, b = _mermaid_id("s", t.source), _mermaid_id("s", t.target)
        handoff = drawing.is_handoff(t)
        if handoff and t.rule_names:
            arrow = "==>"
        elif handoff:
            arrow = "-.->"
        else:
            arrow = "-->"
        label = f"|{_mermaid_text(t.label)}|" if t.label else ""
        lines.append(f"  {a} {arrow}{label} {b}")
    return "\n".join(lines) + "\n"
