"""Dataset: the battle's layers as GeoDataFrames, with place lookup and control queries. No file I/O."""

from datetime import date as _date

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

from . import names, timeline
from .errors import BadDate, UnknownPlace
from .rules import parse_date
from .vocab import CASUALTY_SIDES, PLACE_ID

CRS = "EPSG:4326"
PLACE_COLUMNS = ["place_id", "name", "aliases", "kind", "governorate", "precision_m",
                 "location_source", "refs", "note"]
CHANGE_COLUMNS = ["date", "date_end", "date_precision", "controller", "status", "challenger",
                  "basis", "refs", "note"]
EVENT_COLUMNS = ["event_id", "date", "date_end", "date_precision", "place_id", "type", "actor1",
                 "actor2", "claimant", "incident", "aggregate", "refs", "note"]
ROUTE_COLUMNS = ["route_id", "name", "kind", "date", "date_end", "date_precision", "schematic",
                 "stated_length_m", "stated_length_text", "from_place_id", "to_place_id", "refs", "note"]


def as_day(value, period=None):
    """A Timestamp for an ISO date string or date; BadDate if malformed or outside `period`."""
    if isinstance(value, pd.Timestamp):
        day = value.normalize()
    elif isinstance(value, _date):
        day = pd.Timestamp(value)
    else:
        parsed = parse_date(value)
        if parsed is None:
            raise BadDate(f"{value!r} is not a valid date: use ISO 8601, YYYY-MM-DD (e.g. 2015-05-10)")
        day = pd.Timestamp(parsed)
    if period is not None and not (period[0] <= day <= period[1]):
        raise BadDate(f"{day.date()} is outside the dataset's period "
                      f"{period[0].date()}..{period[1].date()}: control is unknown there")
    return day


def _frame(features, columns):
    data = {c: [f["properties"].get(c) for f in features] for c in columns}
    if features and all(f["geometry"]["type"] == "Point" for f in features):
        # One vectorized call instead of a shapely object per feature: matters at war scale.
        geoms = shapely.points(np.array([f["geometry"]["coordinates"][:2] for f in features], dtype=float))
    else:
        geoms = [shape(f["geometry"]) for f in features]
    return gpd.GeoDataFrame(pd.DataFrame(data, columns=columns), geometry=geoms, crs=CRS)


def _changes(place_features):
    pairs = [(f["properties"]["place_id"], seq, state)
             for f in place_features for seq, state in enumerate(f["properties"]["control"])]
    data = {PLACE_ID: [p for p, _, _ in pairs], "seq": [q for _, q, _ in pairs]}
    data.update({c: [state.get(c) for _, _, state in pairs] for c in CHANGE_COLUMNS})
    df = pd.DataFrame(data, columns=[PLACE_ID, "seq", *CHANGE_COLUMNS])
    # A change known only within a range is taken to hold from the range's end.
    df["effective"] = pd.to_datetime(df["date_end"].fillna(df["date"]))
    return df


def _casualties(event_features):
    rows = [{"event_id": f["properties"]["event_id"], "kind": kind, **fig}
            for f in event_features
            for kind in ("casualties", "counts")
            for fig in f["properties"].get(kind) or []]
    df = pd.DataFrame(rows, columns=["event_id", "kind", "side", "outcome", "low", "best", "high"])
    for col in ("low", "best", "high"):
        df[col] = df[col].astype("Float64")
    return df


def _killed_columns(events, casualties):
    """killed_<side>_<low|best|high> per event, from the long casualties table in one groupby."""
    killed = casualties[(casualties["kind"] == "casualties") & (casualties["outcome"] == "killed")]
    sums = killed.groupby(["event_id", "side"])[["low", "best", "high"]].sum(min_count=1).unstack("side")
    for side in CASUALTY_SIDES:
        for stat in ("low", "best", "high"):
            column = sums[(stat, side)] if (stat, side) in sums.columns else pd.Series(dtype="Float64")
            events[f"killed_{side}_{stat}"] = events["event_id"].map(column).astype("Float64")
    return events


class Dataset:
    """The battle: places, events, routes, sources, and control over time."""

    def __init__(self, data):
        self.meta = data["meta"]
        self.folder = data.get("folder")
        place_features = data["places"]["features"]
        event_features = data["events"]["features"]
        self.places = _frame(place_features, PLACE_COLUMNS)
        self.control_changes = _changes(place_features)
        self.casualties = _casualties(event_features)
        events = _frame(event_features, EVENT_COLUMNS)
        # An event with no incident is its own incident; rival claims share one.
        events["incident"] = events["incident"].fillna(events["event_id"])
        events["aggregate"] = events["aggregate"].fillna(False).astype(bool)
        self.events = _killed_columns(events, self.casualties).sort_values(["date", "event_id"], ignore_index=True)
        route_features = (data.get("routes") or {}).get("features", [])
        self.routes = _frame(route_features, ROUTE_COLUMNS)
        self.sources = pd.DataFrame(data["sources"]).assign(ref=lambda d: d["ref"].astype(int))
        self.forces = data.get("forces") or {}
        self.claims = data.get("claims") or []
        self.period = self._period()
        self.intervals = timeline.intervals(self.control_changes, *self.period)
        self._control_table = self._prepare_control_table()
        self._aliases = self._alias_index()

    def __repr__(self):
        return (f"<Dataset {self.meta.get('name', self.folder)!s}: {len(self.places)} places, "
                f"{len(self.events)} events, {len(self.routes)} routes, {len(self.sources)} sources>")

    def _period(self):
        period = self.meta.get("period")
        if period:
            return pd.Timestamp(period["start"]), pd.Timestamp(period["end"])
        dates = pd.concat([pd.to_datetime(self.events["date"]), pd.to_datetime(self.events["date_end"]),
                           self.control_changes["effective"]]).dropna()
        return dates.min(), dates.max()

    # -- places -------------------------------------------------------------
    def _alias_index(self):
        index = {}
        for pid, name, aliases in self.places[["place_id", "name", "aliases"]].itertuples(index=False):
            for alias in [pid, pid.replace("_", " "), name, *aliases]:
                index.setdefault(names.normalize(alias), pid)
        return index

    def resolve(self, name):
        """The place_id for any alias, id or spelling; UnknownPlace with suggestions if none."""
        key = names.normalize(name)
        if key in self._aliases:
            return self._aliases[key]
        matches = names.suggest(name, list(self._aliases))
        raise UnknownPlace(name, sorted({self.places.set_index("place_id").at[self._aliases[m], "name"] for m in matches}))

    def place(self, name):
        """One place's record (a pandas Series) by any alias."""
        pid = self.resolve(name)
        return self.places.loc[self.places["place_id"] == pid].iloc[0]

    def day(self, value):
        """Parse a date and check it lies in the dataset's period."""
        return as_day(value, self.period)

    # -- control -----------------------------------------------------------
    def control(self, date):
        """Each place's controller and status at the end of `date`, as a GeoDataFrame."""
        day = np.datetime64(self.day(date))
        table = self._control_table
        hit = np.flatnonzero((table["start"].to_numpy() <= day) & (table["end"].to_numpy() > day))
        which = np.full(len(self.places), -1)
        which[table["row"].to_numpy()[hit]] = hit
        # take() on the columns' own arrays: no per-call conversion of thousands of strings.
        columns = {"place_id": self.places["place_id"].array, "name": self.places["name"].array}
        for col in ("controller", "status", "challenger", "since"):
            columns[col] = table[col].array.take(which, allow_fill=True)
        # The places' own geometry array carries its CRS: no per-call CRS parsing.
        return gpd.GeoDataFrame(columns, geometry=self.places.geometry.values)

    def _prepare_control_table(self):
        """The intervals as plain object arrays with each place's row, ready for fast state lookups."""
        table = self.intervals[["start", "end"]].copy()
        table["row"] = pd.Index(self.places["place_id"]).get_indexer(self.intervals[PLACE_ID])
        for col in ("controller", "status", "challenger"):
            table[col] = self.intervals[col].astype("str")
        table["since"] = self.intervals["since"].dt.strftime("%Y-%m-%d").astype("str")
        return table

    def timeline(self):
        """Control intervals: place_id, controller, status, challenger, start, end (end exclusive)."""
        return self.intervals.drop(columns=["since", "seq"]).sort_values(["place_id", "start"], ignore_index=True)

    def control_matrix(self, start=None, end=None):
        """Controller of every place on every day, as a days x places DataFrame of int8 codes.

        Codes index jisrgeo.vocab.SIDES (0 government, 1 opposition, 2 islamic_state); -1 unknown.
        """
        from .vocab import SIDES

        start = self.day(start) if start is not None else self.period[0]
        end = self.day(end) if end is not None else self.period[1]
        days, codes = timeline.control_matrix(self.intervals, list(self.places["place_id"]), start, end, SIDES)
        return pd.DataFrame(codes, index=days, columns=list(self.places["place_id"]))

    def changes(self, start=None, end=None):
        """Control changes whose effective date lies in [start, end]."""
        start = self.day(start) if start is not None else None
        end = self.day(end) if end is not None else None
        df = timeline.changes_between(self.control_changes, start, end)
        names_ = self.places.set_index("place_id")["name"]
        return df.assign(name=df[PLACE_ID].map(names_)).reset_index(drop=True)

    def history(self, name):
        """All states of one place, initial state first."""
        pid = self.resolve(name)
        return self.control_changes[self.control_changes[PLACE_ID] == pid].reset_index(drop=True)

    # -- events ------------------------------------------------------------
    def events_filtered(self, place=None, date=None):
        """Events at a place and/or overlapping a day."""
        events = self.events
        if place is not None:
            events = events[events["place_id"] == self.resolve(place)]
        if date is not None:
            day = as_day(date).strftime("%Y-%m-%d")
            end = events["date_end"].fillna(events["date"])
            events = events[(events["date"] <= day) & (end >= day)]
        return events

    # -- spatial queries (see query.py) ---------------------------------------
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

        ids = [self.resolve(p) for p in places] if places is not None else list(self.places["place_id"])
        points = self.places.set_index("place_id").loc[ids].geometry
        return pd.DataFrame(distance_matrix(points.x, points.y, method), index=ids, columns=ids)

    # -- exports (see export/) ------------------------------------------------
    def to_gpkg(self, path):
        """One GeoPackage with every layer, QGIS styles and temporal settings."""
        from .export import to_gpkg

        return to_gpkg(self, path)

    def to_geojson(self, folder):
        """One RFC 7946 GeoJSON file per spatial layer."""
        from .export import to_geojson

        return to_geojson(self, folder)

    def to_csv(self, folder):
        """One CSV per layer (points as lon/lat, lines as WKT)."""
        from .export import to_csv

        return to_csv(self, folder)

    def source_labels(self, refs):
        """'[n] publisher, title' for each reference number."""
        table = self.sources.set_index("ref")
        return [f"[{r}] {table.at[r, 'publisher'] or 'unknown publisher'}: {table.at[r, 'title']}" for r in refs]
