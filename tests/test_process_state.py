"""Importing or calling the library changes no process-wide state: environment, GDAL configuration, gc,
matplotlib's backend, branca's id generator; and folium pages built at once in threads get the same ids."""

import subprocess
import sys
import threading

import jisrgeo
from jisrgeo.maps import day_map, to_html

from helpers import MINI

# Run in a fresh process: what the import itself does counts too. The libraries we build on are imported
# first, as a notebook would have them: their own import-time settings (numpy's and urllib3's warning
# filters) are theirs, not ours.
CHILD = """
import gc, json, os, sys, tempfile, warnings
import branca.element, folium, geopandas, matplotlib, matplotlib.figure, pyogrio, requests

def state():
    return {"environ": dict(os.environ), "gc": [gc.isenabled(), list(gc.get_threshold())],
            "backend": dict.__getitem__(matplotlib.rcParams, "backend"),
            "gdal_date": pyogrio.get_gdal_config_option("OGR_CURRENT_DATE"),
            "ids": repr(branca.element.Element.__dict__["_generate_id"].__func__), "recursion": sys.getrecursionlimit(),
            "warnings": len(warnings.filters)}

before = state()
import jisrgeo
from jisrgeo.build import build
out = tempfile.mkdtemp()
ds = jisrgeo.load(%(mini)r)
build(ds, os.path.join(out, "site"), "2015-04-14", "2015-04-15", png="none")
ds.to_gpkg(os.path.join(out, "x.gpkg"))
ds.to_geojson(os.path.join(out, "gj"))
ds.to_csv(os.path.join(out, "csv"))
after = state()
print(json.dumps({k: [before[k], after[k]] for k in before if before[k] != after[k]}))
"""


def test_import_build_and_export_leave_the_process_as_they_found_it(tmp_path):
    env = {"JISRGEO_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path)}
    result = subprocess.run([sys.executable, "-c", CHILD % {"mini": str(MINI)}], capture_output=True, text=True,
                            env=env, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "{}", result.stdout


def test_pages_built_in_threads_get_the_ids_of_one_built_alone(mini):
    alone = to_html(day_map(mini, "2015-04-15"), vendor="vendor/")
    pages = [None] * 4

    def make(i):
        pages[i] = to_html(day_map(mini, "2015-04-15"), vendor="vendor/")

    threads = [threading.Thread(target=make, args=(i,)) for i in range(len(pages))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert pages == [alone] * len(pages)
    assert "map_e00000" in alone  # the map's id, numbered: no random hex
    assert jisrgeo.maps.day_map(mini).get_name() == "map_e00000"  # what a notebook shows is numbered too
