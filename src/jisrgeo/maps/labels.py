"""Label placement by candidate positions, the approach of QGIS's PAL labeller.

Each label gets a few candidate boxes around its point: eight close ones (right first, then the
other sides, as cartographers prefer) and, for crowded spots, the same eight further out with a
leader line back to the point (never across another label's marker). Labels are taken in priority order (highest first, ties in input
order) and each takes its first candidate that lies inside the frame and touches no obstacle
(markers, icons) and no box already taken. A label with no free candidate is left out rather
than drawn over something.

Every candidate box and obstacle goes into one shapely STRtree, queried once for all
intersecting pairs, so hundreds of labels take milliseconds; nothing is random or iterative, so
the same input always gives the same layout. Units are whatever the caller uses (pixels or
points), with y growing upwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely

# Directions of the candidates, in order of preference: right, upper right, lower right, left,
# upper left, lower left, above, below. (dx, dy) is the side of the point the box lies on.
DIRECTIONS = ((1, 0), (1, 1), (1, -1), (-1, 0), (-1, 1), (-1, -1), (0, 1), (0, -1))
# How far the outer rings sit from the point, in label heights beyond the close ring (with a leader line).
FAR_RINGS = (1.6, 3.2)
DIAGONAL = 0.75  # a diagonal box's corner sits this fraction of the distance along each axis


@dataclass(frozen=True)
class Label:
    """A label to place: its point, the size of its text and of the marker it must not cover."""

    text: str
    x: float
    y: float
    width: float
    height: float
    radius: float = 0.0  # half the size of the label's own marker
    priority: float = 0.0


@dataclass(frozen=True)
class Placed:
    """Where a label went: its box (x0, y0, x1, y1) and whether it needs a leader line to its point."""

    label: Label
    box: tuple
    leader: bool

    @property
    def centre(self) -> tuple[float, float]:
        return ((self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2)

    def leader_end(self) -> tuple[float, float]:
        """The point of the box nearest the label's point: where a leader line meets the text."""
        x0, y0, x1, y1 = self.box
        return (min(max(self.label.x, x0), x1), min(max(self.label.y, y0), y1))


def _candidates(labels, gap, far_rings):
    """Candidate boxes (n_labels x n_candidates x 4) and whether each needs a leader line, in order of preference."""
    x, y, w, h, r = (np.array([getattr(lb, f) for lb in labels], dtype=float)[:, None]
                     for f in ("x", "y", "width", "height", "radius"))
    specs = [(ring, dx, dy) for ring in (0.0, *far_rings) for dx, dy in DIRECTIONS]
    ring, dx, dy = (np.array(v, dtype=float)[None, :] for v in zip(*specs))
    # The box's nearest edge (or corner) sits `distance` from the point on its side.
    distance = (r + gap + ring * h) * np.where((dx != 0) & (dy != 0), DIAGONAL, 1.0)
    x0 = np.where(dx > 0, x + distance, np.where(dx < 0, x - distance - w, x - w / 2))
    y0 = np.where(dy > 0, y + distance, np.where(dy < 0, y - distance - h, y - h / 2))
    boxes = np.stack([x0, y0, x0 + w, y0 + h], axis=-1)
    return boxes, np.broadcast_to(ring > 0, x0.shape)


def place(labels: Iterable[Label], obstacles: Iterable[Sequence[float]] = (), frame: Sequence[float] | None = None,
          gap: float = 2.0, far_rings: Sequence[float] = FAR_RINGS) -> list[Placed | None]:
    """Place `labels` (a list of Label); returns a list of the same length, a Placed or None for each.

    obstacles: boxes (x0, y0, x1, y1) no label may touch. Each label's marker (the box of half-size
    `radius` around its point) is an obstacle to every other label; its own candidates sit clear of it.
    frame: (x0, y0, x1, y1) every label must lie inside, or None.
    far_rings: distances of the outer candidates (with a leader line), in label heights.
    """
    labels = list(labels)
    if not labels:
        return []
    boxes, leaders = _candidates(labels, gap, far_rings)
    n_each = boxes.shape[1]
    boxes, leaders = boxes.reshape(-1, 4), leaders.reshape(-1)
    owner = np.repeat(np.arange(len(labels)), n_each)
    markers = np.array([(lb.x - lb.radius, lb.y - lb.radius, lb.x + lb.radius, lb.y + lb.radius) for lb in labels])
    walls = np.array(list(obstacles), dtype=float).reshape(-1, 4)
    geoms = shapely.box(*np.concatenate([boxes, markers, walls]).T)
    n_cand, n_mark = len(boxes), len(markers)

    blocked = np.zeros(n_cand, dtype=bool)
    if frame is not None:
        blocked |= ((boxes[:, 0] < frame[0]) | (boxes[:, 1] < frame[1]) |
                    (boxes[:, 2] > frame[2]) | (boxes[:, 3] > frame[3]))
    tree = shapely.STRtree(geoms)
    # Boxes are axis-aligned: overlapping envelopes are overlapping boxes, no GEOS predicate needed.
    first, second = tree.query(geoms[:n_cand])
    # A candidate touching a marker (someone else's, or its own ring's) or an obstacle is out.
    hits_fixed = second >= n_cand
    own_marker = hits_fixed & (second < n_cand + n_mark) & (second - n_cand == owner[first])
    blocked[first[hits_fixed & ~own_marker]] = True
    # A leader may not cross another label's marker: its line would seem to point there.
    far = np.nonzero(leaders)[0]
    if len(far):
        bx = boxes[far]
        px, py = np.array([labels[o].x for o in owner[far]]), np.array([labels[o].y for o in owner[far]])
        ends = np.column_stack([np.clip(px, bx[:, 0], bx[:, 2]), np.clip(py, bx[:, 1], bx[:, 3])])
        lines = shapely.linestrings(np.stack([np.column_stack([px, py]), ends], axis=1))
        cand, mark = shapely.STRtree(geoms[n_cand:n_cand + n_mark]).query(lines, predicate="intersects")
        blocked[far[cand[mark != owner[far[cand]]]]] = True
    # Pairs of candidates of different labels that overlap: taking one rules out the other.
    clash = (second < n_cand) & (owner[first] != owner[np.minimum(second, n_cand - 1)])
    pairs_a, pairs_b = first[clash], second[clash]
    order = np.argsort(pairs_a, kind="stable")
    pairs_a, pairs_b = pairs_a[order], pairs_b[order]
    starts = np.searchsorted(pairs_a, np.arange(n_cand + 1))

    taken = np.zeros(n_cand, dtype=bool)
    result: list[Placed | None] = [None] * len(labels)
    for i in sorted(range(len(labels)), key=lambda k: (-labels[k].priority, k)):
        for c in range(i * n_each, (i + 1) * n_each):
            if blocked[c] or taken[pairs_b[starts[c]:starts[c + 1]]].any():
                continue
            taken[c] = True
            result[i] = Placed(labels[i], tuple(boxes[c].tolist()), bool(leaders[c]))
            break
    return result
