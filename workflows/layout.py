"""Automatic swimlane layout: pure, deterministic, no ORM.

Lanes are horizontal bands in the given order. Steps go in columns by longest path over the
forward transitions (a transition that closes a loop — feedback back to lead generation — is a
back edge, found by a depth-first search in step order, and drawn around the bottom), so
every forward transition runs left to right. Steps of one lane sharing a column stack in rows.
Edges run orthogonally through the gaps between columns and rows only, so a line or a label
never crosses a box.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

BOX_W = 150
BOX_H = 48
GAP_X = 124  # room for transition labels and handoff figures between columns
ROW_H = 96  # box plus the gap between rows where long edges travel
LABEL_W = 150  # the lane names on the left
TOP = 40  # the legend
PAD = 16
TRACK = 10  # spacing of parallel back-edge tracks under the lanes
LABEL_CHARS = 16  # what fits in a gap at 11px


@dataclass(frozen=True)
class StepIn:
    id: int
    lane: int
    order: int


@dataclass(frozen=True)
class EdgeIn:
    id: int
    source: int
    target: int


@dataclass
class Box:
    id: int
    x: float
    y: float
    w: float = BOX_W
    h: float = BOX_H
    col: int = 0
    row: int = 0

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    def overlaps(self, other: Box) -> bool:
        return not (
            self.x + self.w <= other.x
            or other.x + other.w <= self.x
            or self.y + self.h <= other.y
            or other.y + other.h <= self.y
        )


@dataclass
class Route:
    id: int
    points: list[tuple[float, float]]
    back: bool
    # Where the label and the handoff marker go: in the gap after the source's column.
    anchor: tuple[float, float] = (0.0, 0.0)


@dataclass
class Band:
    lane: int
    y: float
    h: float


@dataclass
class Layout:
    width: float
    height: float
    boxes: dict[int, Box] = field(default_factory=dict)
    routes: dict[int, Route] = field(default_factory=dict)
    bands: list[Band] = field(default_factory=list)


def back_edges(steps: list[StepIn], edges: list[EdgeIn]) -> set[int]:
    """The transitions that close a loop, found by depth-first search in step order."""
    ordered = sorted(steps, key=lambda s: (s.order, s.id))
    out: dict[int, list[EdgeIn]] = defaultdict(list)
    for e in sorted(edges, key=lambda e: e.id):
        out[e.source].append(e)
    rank = {s.id: i for i, s in enumerate(ordered)}
    for lst in out.values():
        lst.sort(key=lambda e: (rank.get(e.target, 0), e.id))
    state: dict[int, int] = {}  # 1 visiting, 2 done
    back: set[int] = set()
    for root in ordered:
        if root.id in state:
            continue
        # Iterative DFS so a 1,000-step chain does not hit the recursion limit.
        stack: list[tuple[int, int]] = [(root.id, 0)]
        state[root.id] = 1
        while stack:
            node, i = stack[-1]
            if i < len(out[node]):
                stack[-1] = (node, i + 1)
                edge = out[node][i]
                seen = state.get(edge.target)
                if seen == 1:
                    back.add(edge.id)
                elif seen is None:
                    state[edge.target] = 1
                    stack.append((edge.target, 0))
            else:
                state[node] = 2
                stack.pop()
    return back


def columns(steps: list[StepIn], edges: list[EdgeIn], back: set[int]) -> dict[int, int]:
    """Longest-path layering over the forward edges (Kahn's order, ties by step order)."""
    ids = {s.id for s in steps}
    forward = [e for e in edges if e.id not in back and e.source in ids and e.target in ids]
    indegree = dict.fromkeys(ids, 0)
    out: dict[int, list[int]] = defaultdict(list)
    for e in forward:
        indegree[e.target] += 1
        out[e.source].append(e.target)
    key = {s.id: (s.order, s.id) for s in steps}
    col = dict.fromkeys(ids, 0)
    ready = sorted((i for i, d in indegree.items() if d == 0), key=key.__getitem__)
    while ready:
        node = ready.pop(0)
        for nxt in out[node]:
            col[nxt] = max(col[nxt], col[node] + 1)
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                ready.append(nxt)
                ready.sort(key=key.__getitem__)
    return col


def layout(lanes: list[int], steps: list[StepIn], edges: list[EdgeIn]) -> Layout:
    """Place every step and route every transition. Same input, same drawing."""
    back = back_edges(steps, edges)
    col = columns(steps, edges, back)
    # Stack steps of one lane that share a column.
    cells: dict[tuple[int, int], list[StepIn]] = defaultdict(list)
    for s in sorted(steps, key=lambda s: (s.order, s.id)):
        cells[(s.lane, col[s.id])].append(s)
    rows_in_lane = dict.fromkeys(lanes, 1)
    row_of: dict[int, int] = {}
    for (lane, _c), members in cells.items():
        rows_in_lane[lane] = max(rows_in_lane.get(lane, 1), len(members))
        for i, s in enumerate(members):
            row_of[s.id] = i
    n_cols = max(col.values(), default=0) + 1
    result = Layout(width=0, height=0)
    y = float(TOP)
    lane_top: dict[int, float] = {}
    for lane in lanes:
        h = rows_in_lane.get(lane, 1) * ROW_H
        result.bands.append(Band(lane, y, h))
        lane_top[lane] = y
        y += h
    lanes_bottom = y

    def col_x(c: int) -> float:
        return LABEL_W + GAP_X / 2 + c * (BOX_W + GAP_X)

    for s in steps:
        top = lane_top.get(s.lane, TOP) + row_of[s.id] * ROW_H + (ROW_H - BOX_H) / 2
        result.boxes[s.id] = Box(s.id, col_x(col[s.id]), top, col=col[s.id], row=row_of[s.id])

    def gap_after(c: int) -> float:  # the middle of the gap right of column c (c=-1: the first)
        return col_x(c) + BOX_W + GAP_X / 2

    # Spread lines sharing one gap a little, so parallel ones stay apart.
    in_gap: dict[int, int] = defaultdict(int)

    def gap_x(c: int) -> float:
        k = in_gap[c]
        in_gap[c] += 1
        return gap_after(c) + ((k % 5) - 2) * 6

    n_back = 0
    for e in sorted(edges, key=lambda e: e.id):
        a, b = result.boxes.get(e.source), result.boxes.get(e.target)
        if a is None or b is None:
            continue
        start = (a.x + a.w, a.cy)
        end = (b.x, b.cy)
        if e.id in back or b.col <= a.col:
            n_back += 1
            track = lanes_bottom + n_back * TRACK
            x1, x2 = gap_x(a.col), gap_x(b.col - 1)
            points = [start, (x1, a.cy), (x1, track), (x2, track), (x2, b.cy), end]
            result.routes[e.id] = Route(e.id, points, True, (x1, a.cy))
        elif b.col == a.col + 1:
            x1 = gap_x(a.col)
            points = [start, (x1, a.cy), (x1, b.cy), end]
            result.routes[e.id] = Route(e.id, points, False, (x1, a.cy))
        else:
            # Travel along the gap between rows just above the target, clear of every box.
            track = b.y - (ROW_H - BOX_H) / 2
            x1, x2 = gap_x(a.col), gap_x(b.col - 1)
            points = [start, (x1, a.cy), (x1, track), (x2, track), (x2, b.cy), end]
            result.routes[e.id] = Route(e.id, points, False, (x1, a.cy))
    result.width = col_x(n_cols - 1) + BOX_W + GAP_X / 2 + PAD if steps else LABEL_W + 400
    result.height = lanes_bottom + (n_back + 1) * TRACK + PAD
    return result


def segment_hits_box(p: tuple[float, float], q: tuple[float, float], box: Box) -> bool:
    """Does the axis-parallel segment p–q pass through the inside of ``box``?"""
    (x1, y1), (x2, y2) = p, q
    lo_x, hi_x = min(x1, x2), max(x1, x2)
    lo_y, hi_y = min(y1, y2), max(y1, y2)
    return lo_x < box.x + box.w and hi_x > box.x and lo_y < box.y + box.h and hi_y > box.y


def short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
