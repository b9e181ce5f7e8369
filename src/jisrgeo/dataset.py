"""Dataset: a battle built from tidy tables, with place lookup and control queries. No file I/O.

Build one from your own frames (as movingpandas builds a trajectory from yours):

    Dataset(places, changes, events=None, casualties=None, routes=None, sources=None, meta=None)

or read one with jisrgeo.load(path). Dates are converted once, to datetime64, when it is built;
derived tables (control intervals, lookups) are computed on first use and cached. A Dataset is
not changed in place: window() and subset() return new ones.
"""

from datetime import date as _date
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd

from . import names, schema, timeline
from .errors import BadDate, DataError, Problem, UnknownPlace
from .shape import parse_date
from .sides import Vocabulary

CRS = "EPSG:4326"
PLACE_ID = "place_id"
FIGURES = ("low", "best", "high")


def as_day(value, period=None):
    """A Timestamp for an ISO date string or date; BadDate if malformed or outside `period`."""
    if isinstance(value, pd.Timestamp):
        day = value.normalize()
    elif isinstance(value, _date):
        day = pd.Timestamp(value)
    else:
        parsed = parse_date(value)
        if parsed is None:
            raise BadDate.malformed(value)
        day = pd.Timestamp(parsed)
    if period is not None and not (period[0] <= day <= period[1]):
        raise BadDate.outside(day.date(), period[0].date(), period[1].date())
    return day


def _dates(series):
    return pd.to_datetime(series.astype(object).where(series.notna(), None), errors="coerce")


def _conform(frame, file, columns, required, geometry=True, path=()):
    """A copy with every declared column (missing optional ones as null); DataError for missing required ones."""
    frame = frame.copy() if frame is not None else None
    if frame is None:
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=CRS)) if geometry else frame
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataError([Problem(file, "", c, "required column is missing") for c in missing])
    for column in columns:
        if column not in frame.columns:
            frame[column] = None
        elif frame.empty:  # an empty column read as float must still join and compare as text
            frame[column] = frame[column].astype(object)
    if geometry:
        if not isinstance(frame, gpd.GeoDataFrame):
            raise DataError([Problem(file, "", "geometry", "must be a GeoDataFrame with geometry")])
        frame = frame.set_crs(CRS) if frame.crs is None else frame.to_crs(CRS)
    return frame.reset_index(drop=True)


def _required(file, *path):
    return [f.name for f in schema.fields(file, *path) if f.required and f.type != "objects"]


class Dataset:
    """A battle: places, their control over time, events, routes and sources."""

    def __init__(self, places, changes, events=None, casualties=None, routes=None, sources=None,
                 meta=None, forces=None, claims=None, folder=None):
        self.meta = dict(meta or {})
        self.folder = folder
        self.forces = forces if isinstance(forces, dict) else {}
        self.claims = claims if isinstance(claims, list) else []
        self._places = _conform(places, "places", schema.columns("places"), _required("places"))
        changes = _conform(changes, "changes", [PLACE_ID, *schema.columns("places", "control")],
                           [PLACE_ID, "controller", "status"], geometry=False)
        if "seq" not in changes.columns:  # the order given, per place
            changes["seq"] = changes.groupby(PLACE_ID).cumcount()
        for column in ("date", "date_end"):
            changes[column] = _dates(changes[column])
        # A change known only within a range is taken to hold from the range's end.
        changes["effective"] = changes["date_end"].fillna(changes["date"])
        self._changes = changes
        self._casualties = self._casualty_table(casualties)
        self._events = self._event_table(events)
        routes = _conform(routes, "routes", schema.columns("routes"), _required("routes"))
        for column in ("date", "date_end"):
            routes[column] = _dates(routes[column])
        self._routes = routes
        self._sources = self._source_table(sources)
        self._check_keys()

    TABLES = ("places", "changes", "events", "casualties", "routes", "sources")

    def tables(self):
        """The built tables and the extras: what from_tables() takes back without rebuilding anything."""
        return {**{name: getattr(self, f"_{name}") for name in self.TABLES},
                "meta": self.meta, "forces": self.forces, "claims": self.claims}

    @classmethod
    def from_tables(cls, places, changes, events, casualties, routes, sources, meta, forces, claims, folder=None):
        """A Dataset from tables another Dataset built (tables()): no conforming, deriving or key checks,
        so only for tables that came from a validated Dataset of the same version (the load cache)."""
        ds = cls.__new__(cls)
        ds.meta, ds.folder, ds.forces, ds.claims = dict(meta or {}), folder, forces or {}, claims or []
        ds._places, ds._changes, ds._events = places, changes, events
        ds._casualties, ds._routes, ds._sources = casualties, routes, sources
        return ds

    # -- the tables, read-only: a Dataset is never changed in place ------------------------------
    places = property(lambda self: self._places, doc="Places (GeoDataFrame, EPSG:4326).")
    control_changes = property(lambda self: self._changes, doc="Every control state, initial ones (no date) first.")
    events = property(lambda self: self._events, doc="Events with killed_<side>_<low|best|high> columns.")
    casualties = property(lambda self: self._casualties, doc="Figures per event: kind, side, outcome, low, best, high.")
    routes = property(lambda self: self._routes, doc="Routes (GeoDataFrame of lines).")
    sources = property(lambda self: self._sources, doc="Numbered references.")

    def _casualty_table(self, casualties):
        table = _conform(casualties, "casualties", ["event_id", "kind", "side", "outcome", *FIGURES],
                         ["event_id", "side", "outcome"], geometry=False)
        table["kind"] = table["kind"].fillna("casualties")
        table["event_id"] = table["event_id"].astype(object)  # an empty table must still join with events
        for col in FIGURES:
            table[col] = pd.to_numeric(table[col], errors="coerce").astype("Float64")
        return table

    def _event_table(self, events):
        events = _conform(events, "events", schema.columns("events"), _required("events"))
        for column in ("date", "date_end"):
            events[column] = _dates(events[column])
        # An event with no incident is its own incident; rival claims share one.
        events["incident"] = events["incident"].fillna(events["event_id"])
        events["aggregate"] = events["aggregate"].astype(object).where(events["aggregate"].notna(), False).astype(bool)
        events = self._killed_columns(events)
        return events.sort_values(["date", "event_id"], ignore_index=True)

    def _killed_columns(self, events):
        """killed_<side>_<low|best|high> per event and casualty side, from the casualties table in one groupby."""
        c = self._casualties
        killed = c[(c["kind"] == "casualties") & (c["outcome"] == "killed")]
        sums = killed.groupby(["event_id", "side"])[list(FIGURES)].sum(min_count=1).unstack("side")
        # One positional lookup for every column, not a Series.map per column.
        rows = pd.Index(sums.index).get_indexer(events["event_id"])
        found = rows >= 0
        for side in self.vocabulary.casualty_sides:
            for stat in FIGURES:
                values, missing = np.zeros(len(events)), np.ones(len(events), dtype=bool)
                if (stat, side) in sums.columns:
                    column = sums[(stat, side)].astype("Float64")
                    values[found] = column.to_numpy(dtype=float, na_value=0.0)[rows[found]]
                    missing[found] = column.isna().to_numpy()[rows[found]]
                events[f"killed_{side}_{stat}"] = pd.arrays.FloatingArray(values, missing)
        return events

    def _source_table(self, sources):
        table = _conform(sources, "sources", schema.columns("sources"), ["ref"], geometry=False)
        table["ref"] = pd.to_numeric(table["ref"], errors="coerce").astype("int64")
        for column in ("publisher", "agency", "title", "language", "date"):
            table[column] = table[column].astype(object).where(table[column].notna(), "")
        return table

    def _check_keys(self):
        """What a table built by hand can get wrong and a query would trip on: ids and keys."""
        problems = []
        ids = self._places[PLACE_ID]
        for pid in ids[ids.duplicated()].unique():
            problems.append(Problem("places", str(pid), PLACE_ID, "duplicate id"))
        for table, frame in (("changes", self._changes), ("events", self._events)):
            unknown = set(frame[PLACE_ID].dropna().unique()) - set(ids)
            problems += [Problem(table, "", PLACE_ID, f"{p!r} is not a place") for p in sorted(map(str, unknown))[:20]]
        sides = set(self.vocabulary.sides)
        bad = set(self._changes["controller"].dropna().unique()) - sides
        problems += [Problem("changes", "", "controller", f"{s!r} is not a declared side") for s in sorted(map(str, bad))]
        if problems:
            raise DataError(problems)

    def __repr__(self):
        return (f"<Dataset {self.name}: {len(self.places)} places, {len(self.events)} events, "
                f"{len(self.routes)} routes, {len(self.sources)} sources>")

    @property
    def name(self):
        """The dataset's title (dataset.json `name`, else its folder's name)."""
        name = self.meta.get("name")
        return name if isinstance(name, str) and name else (self.folder.name if self.folder else "Dataset")

    @cached_property
    def vocabulary(self):
        """Sides (labels, colours) and the vocabularies, from the dataset's own declaration."""
        used = set(self._changes["controller"].dropna().unique()) | set(self._changes["challenger"].dropna().unique())
        return Vocabulary(self.meta, used)

    @property
    def sides(self):
        return self.vocabulary.sides

    @cached_property
    def period(self):
        """(first day, last day) as Timestamps: the declared period, else the span of the data."""
        period = self.meta.get("period")
        if isinstance(period, dict) and period.get("start") and period.get("end"):
            return pd.Timestamp(period["start"]), pd.Timestamp(period["end"])
        dates = pd.concat([self.events["date"], self.events["date_end"], self.control_changes["effective"],
                           self.routes["date"], self.routes["date_end"]]).dropna()
        if dates.empty:
            raise DataError([Problem("dataset.json", "", "period", "required: the data holds no date")])
        return dates.min(), dates.max()

    # -- new datasets from this one -------------------------------------------------------------
    def _derive(self, places=None, changes=None, events=None, casualties=None, routes=None, meta=None):
        return Dataset(self.places if places is None else places, self.control_changes if changes is None else changes,
                       self.events if events is None else events, self.casualties if casualties is None else casualties,
                       self.routes if routes is None else routes, self.sources, meta or self.meta, self.forces,
                       self.claims, self.folder)

    def window(self, start=None, end=None):
        """A new dataset whose period is [start, end]: control at its start carried in, events inside it."""
        start = self.day(start) if start is not None else self.period[0]
        end = self.day(end) if end is not None else self.period[1]
        if end < start:
            raise BadDate(f"the window ends ({end.date()}) before it starts ({start.date()})")
        changes = self.control_changes[self.control_changes["effective"].isna() | (self.control_changes["effective"] <= end)]
        last = self.events["date_end"].fillna(self.events["date"])
        events = self.events[(self.events["date"] <= end) & (last >= start)]
        meta = {**self.meta, "period": {"start": f"{start:%Y-%m-%d}", "end": f"{end:%Y-%m-%d}"}}
        return self._derive(changes=changes.drop(columns="effective"), events=events,
                            casualties=self.casualties[self.casualties["event_id"].isin(events["event_id"])], meta=meta)

    def subset(self, places):
        """A new dataset with only these places (any aliases) and their changes and events."""
        ids = [self.resolve(p) for p in places]
        events = self.events[self.events[PLACE_ID].isin(ids)]
        return self._derive(places=self.places[self.places[PLACE_ID].isin(ids)],
                            changes=self.control_changes[self.control_changes[PLACE_ID].isin(ids)].drop(columns="effective"),
                            events=events, casualties=self.casualties[self.casualties["event_id"].isin(events["event_id"])])

    # -- places -------------------------------------------------------------------------------------
    @cached_property
    def _aliases(self):
        index = {}
        for pid, name, aliases in self.places[[PLACE_ID, "name", "aliases"]].itertuples(index=False):
            aliases = list(aliases) if isinstance(aliases, (list, tuple, np.ndarray)) else []
            for alias in [pid, pid.replace("_", " "), name, *aliases]:
                if isinstance(alias, str):
                    index.setdefault(names.normalize(alias), pid)
        return index

    def resolve(self, name):
        """The place_id for any alias, id or spelling; UnknownPlace with suggestions if none."""
        key = names.normalize(name)
        if key in self._aliases:
            return self._aliases[key]
        matches = names.suggest(name, list(self._aliases))
        labels = self.places.set_index(PLACE_ID)["name"]
        raise UnknownPlace(name, sorted({labels.at[self._aliases[m]] for m in matches}))

    def place(self, name):
        """One place's record (a pandas Series) by any alias."""
        pid = self.resolve(name)
        return self.places.loc[self.places[PLACE_ID] == pid].iloc[0]

    def day(self, value):
        """Parse a date and check it lies in the dataset's period."""
        return as_day(value, self.period)

    # -- control ------------------------------------------------------------------------------------
    @cached_property
    def intervals(self):
        """Control intervals [start, end) with since and seq (see timeline.intervals)."""
        return timeline.intervals(self.control_changes, *self.period)

    @cached_property
    def _control_table(self):
        """The intervals as arrays: dates in numpy, texts as pandas string arrays, with each place's row."""
        iv = self.intervals
        table = {"start": iv["start"].to_numpy(), "end": iv["end"].to_numpy(),
                 "row": pd.Index(self.places[PLACE_ID]).get_indexer(iv[PLACE_ID])}
        since = iv["since"].dt.strftime("%Y-%m-%d")
        for col, values in (("controller", iv["controller"]), ("status", iv["status"]), ("challenger", iv["challenger"]),
                            ("since", since)):
            # Typed once here, so each control() takes rows without pandas inferring types again.
            table[col] = pd.array(values.astype(object).where(values.notna(), None).to_numpy(dtype=object), dtype="str")
        return table

    def control(self, date):
        """Each place's controller and status at the end of `date`, as a GeoDataFrame."""
        day = np.datetime64(self.day(date))
        table = self._control_table
        hit = np.flatnonzero((table["start"] <= day) & (table["end"] > day))
        which = np.full(len(self.places), -1)  # -1: no state recorded (a missing value)
        which[table["row"][hit]] = hit
        columns = {PLACE_ID: self.places[PLACE_ID].array, "name": self.places["name"].array}
        for col in ("controller", "status", "challenger", "since"):
            columns[col] = table[col].take(which, allow_fill=True)
        # The places' own geometry array carries its CRS (no per-call CRS parsing), and a finished
        # DataFrame becomes a GeoDataFrame in half the time the dict-and-geometry constructor takes.
        columns["geometry"] = self.places.geometry.values
        return gpd.GeoDataFrame(pd.DataFrame(columns, copy=False), geometry="geometry")

    def control_lists(self):
        """Places and control intervals as plain JSON-ready lists: what `jisrgeo control` answers from,
        kept in the load cache, without importing pandas (see jisrgeo.quick)."""
        table = self._control_table
        texts = {col: table[col].to_numpy(dtype=object, na_value=None).tolist()
                 for col in ("controller", "status", "challenger", "since")}
        days = {col: np.datetime_as_string(table[col], unit="D").tolist() for col in ("start", "end")}
        return {"name": self.name, "period": [f"{day:%Y-%m-%d}" for day in self.period],
                "used_sides": sorted(set(self.vocabulary.sides)), "meta": self.meta,
                "places": {"place_id": self.places[PLACE_ID].tolist(), "name": self.places["name"].tolist(),
                           "lon": self.places.geometry.x.tolist(), "lat": self.places.geometry.y.tolist()},
                "intervals": {"row": table["row"].tolist(), **days, **texts}}

    def timeline(self):
        """Control intervals: place_id, controller, status, challenger, start, end (end exclusive)."""
        return self.intervals.drop(columns=["since", "seq"]).sort_values([PLACE_ID, "start"], ignore_index=True)

    def control_matrix(self, start=None, end=None):
        """Controller of every place on every day, as a days x places DataFrame of int8 codes.

        Codes index list(ds.sides) (the dataset's sides in declaration order); -1 where unknown.
        """
        start = self.day(start) if start is not None else self.period[0]
        end = self.day(end) if end is not None else self.period[1]
        ids = list(self.places[PLACE_ID])
        days, codes = timeline.control_matrix(self.intervals, ids, start, end, list(self.sides))
        return pd.DataFrame(codes, index=days, columns=ids)

    def changes(self, start=None, end=None):
        """Control changes whose effective date lies in [start, end]."""
        start = self.day(start) if start is not None else None
        end = self.day(end) if end is not None else None
        if start is not None and end is not None and end < start:
            raise BadDate(f"--to {end.date()} comes before --from {start.date()}")
        df = timeline.changes_between(self.control_changes, start, end)
        return df.assign(name=df[PLACE_ID].map(self.places.set_index(PLACE_ID)["name"])).reset_index(drop=True)

    def history(self, name):
        """All states of one place, initial state first."""
        pid = self.resolve(name)
        return self.control_changes[self.control_changes[PLACE_ID] == pid].reset_index(drop=True)

    # -- events -------------------------------------------------------------------------------------
    def events_filtered(self, place=None, date=None):
        """Events at a place and/or overlapping a day."""
        events = self.events
        if place is not None:
            events = events[events[PLACE_ID] == self.resolve(place)]
        if date is not None:
            day = as_day(date)
            end = events["date_end"].fillna(events["date"])
            events = events[(events["date"] <= day) & (end >= day)]
        return events

    # -- estimated zones of control and front lines (see areas.py) ------------------------------------
    @cached_property
    def _tiles(self):
        from .areas import Tiles, region_kinds

        return Tiles(self.places, region_kinds(self.vocabulary))

    @cached_property
    def cells(self):
        """place_id, radius_m (its reach) and geometry of each place's tile: the ground it stands for (fixed)."""
        return self._tiles.cells()

    @cached_property
    def _neighbours(self):
        """a, b (place ids) and the edge their tiles share."""
        return self._tiles.edge_table()

    @cached_property
    def _zones(self):
        from .areas import derive

        changes = self.control_changes
        basis = dict(zip(zip(changes[PLACE_ID], changes["seq"]), changes["basis"]))
        return derive(self._tiles, self.intervals, basis, self.vocabulary.opposed)

    @property
    def area_intervals(self):
        """Estimated zones of control over the whole period, one row per zone and interval in which it is
        constant [start, end): zone_id, side, status, challenger, basis, place_id, start, end, area_km2,
        method, geometry (EPSG:4326). Derived from the places, never observed (see areas.py)."""
        return self._zones[0]

    @property
    def front_intervals(self):
        """Estimated front lines over the whole period: front_id, side_a, side_b, start, end, length_km,
        method, geometry (EPSG:4326), one row per front and interval in which it is constant."""
        return self._zones[1]

    def areas(self, date):
        """Estimated zones of control at the end of `date`: the rows of area_intervals covering it."""
        from .areas import covering

        return covering(self.area_intervals, self.day(date))

    def front_lines(self, date):
        """Estimated front lines at the end of `date`: the rows of front_intervals covering it."""
        from .areas import covering

        return covering(self.front_intervals, self.day(date))

    def area_by_day(self, start=None, end=None):
        """km² held by each side on each day (days x sides), the battle's curve in one table."""
        from .areas import side_area_by_day

        if start is not None and end is not None and self.day(end) < self.day(start):
            raise BadDate(f"--to {end} comes before --from {start}")
        return side_area_by_day(self._tiles, self.control_matrix(start, end), list(self.sides))

    # -- spatial queries (see query.py) ---------------------------------------------------------------
    def within(self, place, radius_m, date=None, controller=None):
        """Places within radius_m metres of `place`, with control on `date` and distance."""
        from .query import within

        return within(self, place, radius_m, date, controller)

    def nearest(self, place, n=5, date=None, controller=None):
        """The n places nearest to `place`."""
        from .query import nearest

        return nearest(self, place, n, date, controller)

    def front_distance(self, date):
        """Each controlled place's distance to the nearest place held by another side on `date`."""
        from .query import front_distance

        return front_distance(self, date)

    def distance_matrix(self, places=None, method="geodesic"):
        """Distances in metres between places (all by default), labelled by place_id.

        method: "geodesic" (exact, pyproj) or "andoyer" (vectorized approximation, see geodesy.andoyer).
        """
        from .geodesy import distance_matrix

        ids = [self.resolve(p) for p in places] if places is not None else list(self.places[PLACE_ID])
        points = self.places.set_index(PLACE_ID).loc[ids].geometry
        return pd.DataFrame(distance_matrix(points.x, points.y, method), index=ids, columns=ids)

    # -- exports (see export/) ------------------------------------------------------------------------
    def to_gpkg(self, path, replace=False):
        """One GeoPackage with every layer, QGIS styles and temporal settings (and a .qgs project)."""
        from .export import to_gpkg

        return to_gpkg(self, path, replace)

    def to_geojson(self, folder, replace=False):
        """One RFC 7946 GeoJSON file per spatial layer."""
        from .export import to_geojson

        return to_geojson(self, folder, replace)

    def to_csv(self, folder, replace=False):
        """One CSV per layer (points as lon/lat, lines as WKT)."""
        from .export import to_csv

        return to_csv(self, folder, replace)

    def to_parquet(self, folder, replace=False):
        """One GeoParquet file per layer (GeoParquet 1.1); jisrgeo.load(folder) reads it back."""
        from .export import to_parquet

        return to_parquet(self, folder, replace)

    def source_labels(self, refs):
        """'[n] publisher: title' for each reference number (the number alone where there is no sources table)."""
        table = self.sources.set_index("ref")
        labels = []
        for r in refs:
            if r in table.index:
                agency = f" ({table.at[r, 'agency']})" if table.at[r, "agency"] else ""
                labels.append(f"[{r}] {table.at[r, 'publisher'] or 'unknown publisher'}{agency}: {table.at[r, 'title']}")
            else:
                labels.append(f"[{r}]")
        return labels
