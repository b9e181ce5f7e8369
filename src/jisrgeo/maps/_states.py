"""How a place's state looks (the style table the pages share) and the small encoders of places.js,
below both _places.py (the static tables) and _days.py (the time tables)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import json

from ..schema import STATUSES
from ..style import UNKNOWN_COLOR
from ._base import esc

if TYPE_CHECKING:
    from ..dataset import Dataset
    from ..sides import Vocabulary


def place_style(state: dict[str, Any], vocabulary: Vocabulary) -> dict[str, Any]:
    """CircleMarker options for a place's state: fill = controller, ring = challenger."""
    controller, status = state.get("controller"), state.get("status")
    if not isinstance(controller, str):
        return {"radius": 5, "color": "#555555", "weight": 1, "fill_color": UNKNOWN_COLOR, "fill_opacity": 0.6}
    style = {"radius": 8, "color": "#222222", "weight": 1.5, "fill_color": vocabulary.color(controller), "fill_opacity": 0.9}
    if status == "besieged":
        style.update(color=vocabulary.color(state.get("challenger")), weight=5, radius=9)
    elif status == "contested":
        style.update(color=vocabulary.color(state.get("challenger")), weight=4, dash_array="4 3", radius=9)
    return style


def to_js(value: object) -> str:
    """JSON for a <script>: compact, and '<' escaped so no data can close the script element."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def ints(values: Any) -> list[int]:
    """A list of reference numbers (none where the data has none)."""
    return [int(v) for v in values] if isinstance(values, (list, tuple)) or hasattr(values, "tolist") else []


class StateStyles:
    """Every (controller, status, challenger) a dataset's sides allow, numbered: pages carry the number."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        sides = list(vocabulary.sides)
        self.keys: list[tuple[str | None, str | None, str | None]] = [(None, None, None)]
        for side in sides:
            for status in STATUSES:
                challengers = [None] if status == "held" else [s for s in sides if s != side]
                self.keys += [(side, status, c) for c in challengers]
        self._index = {key: i for i, key in enumerate(self.keys)}

    def index(self, controller: object, status: object, challenger: object) -> int:
        clean = lambda v: v if isinstance(v, str) else None  # noqa: E731
        return self._index.get((clean(controller), clean(status), clean(challenger)), 0)

    def styles(self) -> list[dict[str, Any]]:
        out = []
        for controller, status, challenger in self.keys:
            s = place_style({"controller": controller, "status": status, "challenger": challenger}, self.vocabulary)
            out.append({"radius": s["radius"], "color": s["color"], "weight": s["weight"], "dash": s.get("dash_array"),
                        "fill": s["fill_color"], "opacity": s["fill_opacity"], "side": controller or "none",
                        "controller": controller, "challenger": challenger})
        return out

    def text(self, controller: str | None, status: str | None, challenger: str | None) -> str:
        if controller is None:
            return "no control recorded"
        label = self.vocabulary.label
        return esc(f"{label(controller)}, {status}" + (f" (challenged by {label(challenger)})" if challenger else ""))


def change_rows(dataset: Dataset) -> dict[tuple[str, int], int]:
    """Row number in payload()['changes'] of each (place_id, seq)."""
    changes = dataset.control_changes
    return {(p, q): i for i, (p, q) in enumerate(zip(changes["place_id"], changes["seq"]))}
