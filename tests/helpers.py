"""Helpers shared by the tests (importable, unlike conftest)."""

import json
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini"


def edit_layer(folder, layer, change):
    """Apply change(content) to a GeoJSON/JSON layer of a dataset folder, in place."""
    path = Path(folder) / layer
    content = json.loads(path.read_text(encoding="utf-8"))
    change(content)
    path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
