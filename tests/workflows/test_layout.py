"""The automatic layout: readable at 40+ steps, left to right, boxes and labels never collide."""

import random

from workflows import layout as lay
from workflows import render


def generated(n_steps: int, n_lanes: int, seed: int = 3):
    rng = random.Random(seed)
    lanes = list(range(1, n_lanes + 1))
    steps = [lay.StepIn(i, rng.choice(lanes), i) for i in range(1, n_steps + 1)]
    edges, k = [], 0
    for i in range(1, n_steps):
        k += 1
        edges.append(lay.EdgeIn(k, i, i + 1))
        if rng.random() < 0.3 and i + 3 <= n_steps:
            k += 1
            edges.append(lay.EdgeIn(k, i, i + rng.randint(2, 3)))
        if rng.random() < 0.2 and i > 5:
            k += 1
            edges.append(lay.EdgeIn(k, i, rng.randint(1, i - 1)))
    return lanes, steps, edges


def test_forty_steps_have_no_overlapping_boxes():
    lanes, steps, edges = generated(45, 4)
    result = lay.layout(lanes, steps, edges)
    boxes = list(result.boxes.values())
    assert len(boxes) == 45
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)


def test_boxes_sit_inside_their_lane_band():
    lanes, steps, edges = generated(45, 4)
    result = lay.layout(lanes, steps, edges)
    bands = {band.lane: band for band in result.bands}
    for s in steps:
        box, band = result.boxes[s.id], bands[s.lane]
        assert band.y <= box.y and box.y + box.h <= band.y + band.h


def test_forward_transitions_run_left_to_right_and_never_cross_a_box():
    lanes, steps, edges = generated(45, 4)
    result = lay.layout(lanes, steps, edges)
    back = lay.back_edges(steps, edges)
    for e in edges:
        route = result.routes[e.id]
        if e.id not in back:
            assert result.boxes[e.source].col < result.boxes[e.target].col
        for p, q in zip(route.points, route.points[1:], strict=False):
            for box in result.boxes.values():
                assert not lay.segment_hits_box(p, q, box), (e, box)


def test_labels_stay_in_the_gap_between_columns():
    lanes, steps, edges = generated(45, 4)
    result = lay.layout(lanes, steps, edges)
    for route in result.routes.values():
        _x, y = route.anchor
        label_left = route.points[0][0] + 4
        label_right = label_left + 6.2 * lay.LABEL_CHARS
        badge = lay.Box(0, label_left, y + 10, lay.GAP_X - 8, 30)
        for box in result.boxes.values():
            inside_y = box.y - 12 < y - 8 < box.y + box.h
            inside_x = label_left < box.x + box.w and label_right > box.x
            assert not (inside_x and inside_y)
            assert not badge.overlaps(box)


def test_a_loop_back_to_the_start_is_drawn_under_the_lanes():
    steps = [lay.StepIn(1, 1, 1), lay.StepIn(2, 2, 2), lay.StepIn(3, 1, 3)]
    edges = [lay.EdgeIn(1, 1, 2), lay.EdgeIn(2, 2, 3), lay.EdgeIn(3, 3, 1)]
    result = lay.layout([1, 2], steps, edges)
    assert lay.back_edges(steps, edges) == {3}
    assert [result.boxes[i].col for i in (1, 2, 3)] == [0, 1, 2]
    lanes_bottom = result.bands[-1].y + result.bands[-1].h
    assert max(y for _, y in result.routes[3].points) > lanes_bottom
    assert result.height > lanes_bottom


def test_same_input_same_drawing():
    lanes, steps, edges = generated(30, 3)
    drawing = render.Drawing(
        "x",
        lanes=[render.LaneD(i, i, f"Team {i}") for i in lanes],
        steps=[render.StepD(s.id, s.lane, f"Step {s.id}", s.order) for s in steps],
        transitions=[render.TransitionD(e.id, e.source, e.target, "") for e in edges],
    )
    assert render.svg(drawing) == render.svg(drawing)


def test_a_thousand_step_chain_lays_out():
    steps = [lay.StepIn(i, 1 + i % 3, i) for i in range(1, 1001)]
    edges = [lay.EdgeIn(i, i, i + 1) for i in range(1, 1000)]
    result = lay.layout([1, 2, 3], steps, edges)
    assert result.boxes[1000].col == 999
