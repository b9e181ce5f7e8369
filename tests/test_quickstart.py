"""examples/quickstart.py answers the README's questions through the public API, start to end."""

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "quickstart.py"


def test_the_quickstart_runs_and_answers(tmp_path):
    done = subprocess.run([sys.executable, str(EXAMPLE), str(tmp_path / "out")], capture_output=True, text=True,
                          timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "Jisr al-Shughur National Hospital held by government (besieged, challenged by opposition) since 25 April" in out
    assert "13 control changes in May" in out and "22 May  Jisr al-Shughur National Hospital: opposition" in out
    assert "national_hospital -> ariha: 27.2 km" in out
    for name in ("2015-04-25.png", "2015-05-22.html", "battle.gpkg"):
        assert (tmp_path / "out" / name).stat().st_size > 1000
