"""Write the offline context layer (country shapes: borders and coastline) into the package.

    (cd tests/browser && npm ci) && python scripts/context_layer.py [--bbox W S E N]

Source: Natural Earth 1:10m admin-0 countries (public domain), as TopoJSON in the npm package
`world-atlas` (version pinned in tests/browser/package-lock.json), converted to GeoJSON by the
package `topojson-client` (its `topo2geo` tool). The shapes are clipped to a box around the
Levant with a wide margin (the bundled battle, the Aleppo fixture and any battle in Syria and
its neighbours fit), rounded to 4 decimals (about 10 m) and written to
src/jisrgeo/maps/context.geojson. Maps clip them again to their own frame. A battle outside the
box gets no context layer; run this script with a wider --bbox to cover it.
"""

import argparse
import json
import subprocess
from pathlib import Path

import shapely

ROOT = Path(__file__).resolve().parents[1]
MODULES = ROOT / "tests" / "browser" / "node_modules"
TARGET = ROOT / "src" / "jisrgeo" / "maps" / "context.geojson"
# West, south, east, north: the eastern Mediterranean, Syria and every neighbour's near side.
DEFAULT_BBOX = (29.0, 28.0, 49.0, 40.5)
DECIMALS = 4


def countries():
    topology = MODULES / "world-atlas" / "countries-10m.json"
    with topology.open("rb") as stdin:
        out = subprocess.run([str(MODULES / ".bin" / "topo2geo"), "countries=-"], stdin=stdin,
                             capture_output=True, check=True)
    return json.loads(out.stdout)["features"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bbox", nargs=4, type=float, default=DEFAULT_BBOX, metavar=("W", "S", "E", "N"))
    box = shapely.box(*parser.parse_args().bbox)
    features = []
    for feature in countries():
        shape = shapely.geometry.shape(feature["geometry"])
        clipped = shapely.set_precision(shapely.make_valid(shape).intersection(box), 10 ** -DECIMALS)
        if clipped.is_empty:
            continue
        features.append({"type": "Feature", "properties": {"name": feature["properties"]["name"]},
                         "geometry": shapely.geometry.mapping(clipped)})
    features.sort(key=lambda f: f["properties"]["name"])
    version = json.loads((MODULES / "world-atlas" / "package.json").read_text())["version"]
    collection = {"type": "FeatureCollection",
                  "source": f"Natural Earth 1:10m admin-0 countries (public domain) via world-atlas {version}",
                  "bbox": list(parser.parse_args().bbox), "features": features}
    TARGET.write_text(json.dumps(collection, separators=(",", ":")) + "\n")
    print(f"{len(features)} countries clipped to {list(box.bounds)} -> {TARGET} ({TARGET.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
