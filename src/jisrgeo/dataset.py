"""Dataset: a battle built from tidy tables, with place lookup and control queries. No file I/O.

Build one from your own frames (as movingpandas builds a trajectory from yours):

    Dataset(places, changes, events=None, casualties=None, routes=None, sources=None, meta=None)

or read one with jisrgeo.load(path). Dates are converted once, to datetime64, when it is built;
derived tables (control intervals, lookups) are computed on first use and cached. A Dataset is
not changed in place: window() and subset() return new ones.
"""

import os
import re
from collections.abc import Iterable, Mapping
from datetime import date as _date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, Union
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd

from . import names, schema, states, timeline
from .io.tables import text_array
from .errors import BadDate, DataError, Problem, UnknownPlace
from .shape import parse_date
from .sides import Side, Vocabulary

if TYPE_CHECKING:
    import folium
    from matplotlib.axes import Axes

    from .geodesy import Distance
    from .io.cache import ControlLists

# What every date argument accepts (see as_day): "YYYY-MM-DD", "YYYY-MM", date, datetime, Timestamp, datetime64.
DateLike = Union[str, _date, pd.Timestamp, np.datetime64]
Places = Union[str, list[str], tuple[str, ...]]

CRS = "EPSG:4326"
PLACE_ID = "place_id"
FIGURES = ("low", "best", "high")
# What control() says about how each state is known, beside who held the place.
STATE_BASIS = ("basis", "date_precision")


def as_day(value: DateLike, period: tuple[pd.Timestamp, pd.Timestamp] | None = None, last: bool = False) -> pd.Timestamp:
    """The day `value` names, as a midnight Timestamp; BadDate if malformed or outside `period`.

    Accepted: "YYYY-MM-DD", "YYYY-MM" (the month's first day, or its last with `last=True`), datetime.date,
    datetime.datetime, pandas.Timestamp and numpy.datetime64 (a time of day is dropped).
    """
    given = value
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value) if not np.isnat(value) else None
    if isinstance(value, _date):  # datetime and Timestamp are dates too
        day = pd.Timestamp(value).tz_localize(None).normalize() if value == value else None
    elif isinstance(value, str) and MONTH.match(value):
        day = pd.Timestamp(value + "-01")
        day = day + pd.offsets.MonthEnd(0) if last else day
    else:
        parsed = parse_date(value)
        day = pd.Timestamp(parsed) if parsed is not None else None
    if day is None:
        raise BadDate.malformed(given)
    if period is not None and not (period[0] <= day <= period[1]):
        raise BadDate.outside(day.date(), period[0].date(), period[1].date())
    return day


MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


DATE_DTYPE = "datetime64[ns]"  # of every date column in every frame (pandas 3 would pick microseconds)


def _dates(series):
    values = series.astype(object).where(series.notna(), None)
    return pd.to_datetime(values, errors="coerce", format="ISO8601").astype(DATE_DTYPE)


def _ns(frame, columns):
    """`frame` with these date columns as datetime64[ns] (no copy when they already are)."""
    wrong = [c for c in columns if c in frame.columns and frame[c].dtype != DATE_DTYPE]
    return frame.astype({c: DATE_DTYPE for c in wrong}) if wrong else frame


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


def _overlapping(frame, start, end, undated=False):
    """Rows whose [date, date_end] overlaps [start, end] (rows with no date too, if `undated`)."""
    last = frame["date_end"].fillna(frame["date"])
    keep = (frame["date"] <= end) & (last >= start)
    return frame[keep | frame["date"].isna()] if undated else frame[keep]


def _cut_changes(changes, start, end):
    """The control states of a window: each place's last state before `start` as its initial state
    (undated, its original day kept in `since`), then the changes effective in [start, end]."""
    changes = changes.sort_values([PLACE_ID, "seq"])
    effective = changes["effective"]
    carried = changes[effective.isna() | (effective < start)].groupby(PLACE_ID, sort=False).tail(1).copy()
    since = carried["since"] if "since" in carried.columns else pd.Series(pd.NaT, index=carried.index)
    carried["since"] = since.fillna(carried["effective"])
    carried[["date", "date_end"]] = pd.NaT  # how precisely it began (date_precision) stays with the state
    inside = changes[(effective >= start) & (effective <= end)].assign(since=pd.NaT)
    cut = pd.concat([carried, inside]).sort_values([PLACE_ID, "seq"], ignore_index=True)
    cut["seq"] = cut.groupby(PLACE_ID).cumcount()  # initial state first, numbered afresh
    cut["since"] = pd.to_datetime(cut["since"])
    return cut.drop(columns="effective")


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

    def tables(self) -> dict[str, Any]:
        """The built tables and the extras: what from_tables() takes back without rebuilding anything."""
        return {**{name: getattr(self, f"_{name}") for name in self.TABLES},
                "meta": self.meta, "forces": self.forces, "claims": self.claims}

    @classmethod
    def from_tables(cls, places: gpd.GeoDataFrame, changes: pd.DataFrame, events: gpd.GeoDataFrame,
                    casualties: pd.DataFrame, routes: gpd.GeoDataFrame, sources: pd.DataFrame,
                    meta: Mapping[str, Any] | None, forces: dict[str, Any] | None, claims: list[Any] | None,
                    folder: Path | None = None) -> Self:
        """A Dataset from tables another Dataset built (tables()): no conforming, deriving or key checks,
        so only for tables that came from a validated Dataset of the same version (the load cache)."""
        ds = cls.__new__(cls)
        ds.meta, ds.folder, ds.forces, ds.claims = dict(meta or {}), folder, forces or {}, claims or []
        dated = ("date", "date_end", "effective", "since")
        ds._places, ds._changes, ds._events = places, _ns(changes, dated), _ns(events, dated)
        ds._casualties, ds._routes, ds._sources = casualties, _ns(routes, dated), sources
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
    def name(self) -> str:
        """The dataset's title (dataset.json `name`, else its folder's name)."""
        name = self.meta.get("name")
        return name if isinstance(name, str) and name else (self.folder.name if self.folder else "Dataset")

    @cached_property
    def vocabulary(self) -> Vocabulary:
        """Sides (labels, colours) and the vocabularies, from the dataset's own declaration."""
        used = set(self._changes["controller"].dropna().unique()) | set(self._changes["challenger"].dropna().unique())
        return Vocabulary(self.meta, used)

    @property
    def sides(self) -> dict[str, Side]:
        """The dataset's sides, {code: Side} in declaration order (label, color, description, neutral, allies).

        Declared in dataset.json `sides`; a dataset that declares none uses the codes its places use.
        """
        return self.vocabulary.sides

    @cached_property
    def period(self) -> tuple[pd.Timestamp, pd.Timestamp]:
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

    def window(self, start: DateLike | None = None, end: DateLike | None = None) -> "Dataset":
        """A new dataset cut to the days [start, end].

        Each place's state at the window's start (the last change before `start`) becomes its initial
        state, keeping the day it began as `since`; changes effective inside the window stay changes;
        events and routes overlapping the window and the casualty figures of those events are kept.
        So on every day of the window the new dataset answers as this one does.
        """
        start, end = self.span(start, end)
        meta = {**self.meta, "period": {"start": f"{start:%Y-%m-%d}", "end": f"{end:%Y-%m-%d}"}}
        events = _overlapping(self.events, start, end)
        routes = _overlapping(self.routes, start, end, undated=True)
        return self._derive(changes=_cut_changes(self.control_changes, start, end), events=events, routes=routes,
                            casualties=self.casualties[self.casualties["event_id"].isin(events["event_id"])], meta=meta)

    def subset(self, places: Places) -> "Dataset":
        """A new dataset with only these places (any aliases) and their changes, events and figures.

        Parameters
        ----------
        places : str or list of str

        Returns
        -------
        Dataset
        """
        ids = self._ids(places) or []
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

    def resolve(self, name: str) -> str:
        """The place_id for any alias, id or spelling; UnknownPlace with suggestions if none."""
        key = names.normalize(name)
        if key in self._aliases:
            return self._aliases[key]
        matches = names.suggest(name, list(self._aliases))
        labels = self.places.set_index(PLACE_ID)["name"]
        raise UnknownPlace(name, sorted({labels.at[self._aliases[m]] for m in matches}))

    def place(self, name: str) -> pd.Series:
        """One place's record by any name, alias, id or spelling.

        Parameters
        ----------
        name : str
            Case, accents, punctuation and the articles al-/el-/ash- do not matter.

        Returns
        -------
        pandas.Series
            The place's row of `places` (place_id, name, aliases, kind, ..., geometry).

        Raises
        ------
        UnknownPlace
            With the nearest names as suggestions.
        """
        pid = self.resolve(name)
        return self.places.loc[self.places[PLACE_ID] == pid].iloc[0]

    def day(self, value: DateLike, last: bool = False) -> pd.Timestamp:
        """The day `value` names (see the README's conventions), checked to lie in the dataset's period.

        Parameters
        ----------
        value : str, datetime.date, datetime.datetime, pandas.Timestamp or numpy.datetime64
            "YYYY-MM-DD", or "YYYY-MM" for the month's first day (its last with `last=True`).

        Returns
        -------
        pandas.Timestamp
            Midnight of that day.

        Raises
        ------
        BadDate
            If malformed or outside the period.
        """
        return as_day(value, self.period, last)

    def span(self, start: DateLike | None = None, end: DateLike | None = None) -> tuple[pd.Timestamp, pd.Timestamp]:
        """(start, end) as Timestamps: the period's bounds where None; BadDate if end comes before start."""
        first = self.day(start) if start is not None else self.period[0]
        last = self.day(end, last=True) if end is not None else self.period[1]
        if last < first:
            raise BadDate.order(first, last)
        return first, last

    def _ids(self, place):
        """The place_ids of a place or list of places (any aliases); None for all."""
        if place is None:
            return None
        return [self.resolve(p) for p in ([place] if isinstance(place, str) else place)]

    def _with_places(self, frame):
        """`frame` (a place_id column) with each place's name and point: a GeoDataFrame (EPSG:4326)."""
        places = self.places.set_index(PLACE_ID)
        frame = frame.assign(name=frame[PLACE_ID].map(places["name"]))
        geometry = gpd.GeoSeries(places.geometry.loc[frame[PLACE_ID]].values, index=frame.index, crs=CRS)
        return gpd.GeoDataFrame(frame, geometry=geometry, crs=CRS)

    # -- control ------------------------------------------------------------------------------------
    @cached_property
    def intervals(self) -> pd.DataFrame:
        """Control intervals [start, end) with since and seq (see timeline.intervals)."""
        return timeline.intervals(self.control_changes, *self.period)

    @cached_property
    def _control_table(self):
        """The intervals as arrays: dates in numpy, texts as pandas string arrays, with each place's row."""
        iv = self.intervals
        table = {"start": iv["start"].to_numpy(), "end": iv["end"].to_numpy(),
                 "row": pd.Index(self.places[PLACE_ID]).get_indexer(iv[PLACE_ID])}
        table["since"] = iv["since"].to_numpy(dtype=DATE_DTYPE)
        # How each state is known (reported or inferred, and how exactly dated), from the change that opened it.
        known = self._changes.set_index([PLACE_ID, "seq"])[list(STATE_BASIS)]
        opened = known.reindex(pd.MultiIndex.from_arrays([iv[PLACE_ID], iv["seq"]]))
        for col, values in (("controller", iv["controller"]), ("status", iv["status"]), ("challenger", iv["challenger"]),
                            *((c, opened[c].set_axis(iv.index)) for c in STATE_BASIS)):
            # Typed once here, so each control() takes rows without pandas inferring types again.
            table[col] = text_array(values.astype(object).where(values.notna(), None).to_numpy(dtype=object))
        return table

    def control(self, date: DateLike, place: Places | None = None) -> gpd.GeoDataFrame:
        """Each place's control at the end of `date`.

        Parameters
        ----------
        date : str, date, datetime, pandas.Timestamp or numpy.datetime64
            The day (a state "on D" is the state at the end of D).
        place : str or list of str, optional
            Only these places (any names, aliases or ids).

        Returns
        -------
        geopandas.GeoDataFrame
            Indexed by place_id (also a column): name, controller, status, challenger (side codes, missing
            where no state is recorded), since (datetime64[ns], the day the state began; NaT for an
            initial state), basis (reported/inferred) and date_precision of that state (None
            for an initial state's precision) and the place's point (EPSG:4326).
        """
        day, table = np.datetime64(self.day(date)), self._control_table
        # Each place's interval at the end of the day; -1 where no state is recorded (a missing value).
        which = states.holding(table["start"], table["end"], table["row"], len(self.places), day)
        columns = {PLACE_ID: self.places[PLACE_ID].array, "name": self.places["name"].array}
        for col in ("controller", "status", "challenger"):
            columns[col] = table[col].take(which, allow_fill=True)
        since = np.full(len(which), np.datetime64("NaT"), dtype=DATE_DTYPE)
        since[which >= 0] = table["since"][which[which >= 0]]
        columns["since"] = since
        for col in STATE_BASIS:
            columns[col] = table[col].take(which, allow_fill=True)
        # The places' own geometry array carries its CRS (no per-call CRS parsing), and a finished
        # DataFrame becomes a GeoDataFrame in half the time the dict-and-geometry constructor takes.
        columns["geometry"] = self.places.geometry.values
        frame = pd.DataFrame(columns, index=pd.Index(self.places[PLACE_ID].array), copy=False)
        state = gpd.GeoDataFrame(frame, geometry="geometry")
        ids = self._ids(place)
        return state.loc[ids] if ids is not None else state

    def control_lists(self) -> "ControlLists":
        """Places and control intervals as plain JSON-ready lists: what `jisrgeo control` answers from,
        kept in the load cache, without importing pandas (see jisrgeo.quick)."""
        table = self._control_table
        texts = {col: table[col].to_numpy(dtype=object, na_value=None).tolist()
                 for col in ("controller", "status", "challenger", *STATE_BASIS)}
        texts["since"] = [None if np.isnat(d) else str(d)[:10] for d in table["since"]]
        days = {col: np.datetime_as_string(table[col], unit="D").tolist() for col in ("start", "end")}
        return {"name": self.name, "period": [f"{day:%Y-%m-%d}" for day in self.period],
                "used_sides": sorted(set(self.vocabulary.sides)), "meta": self.meta,
                "places": {"place_id": self.places[PLACE_ID].tolist(), "name": self.places["name"].tolist(),
                           "lon": self.places.geometry.x.tolist(), "lat": self.places.geometry.y.tolist()},
                "intervals": {"row": table["row"].tolist(), **days, **texts}}

    def timeline(self, start: DateLike | None = None, end: DateLike | None = None,
                 place: Places | None = None) -> gpd.GeoDataFrame:
        """Control intervals, one row per place and state, [start, end) (end exclusive).

        Parameters
        ----------
        start, end : date-like, optional
            Only intervals overlapping the days [start, end] (not clipped: see window() for that).
        place : str or list of str, optional
            Only these places.

        Returns
        -------
        geopandas.GeoDataFrame
            place_id, name, controller, status, challenger, start, end (datetime64[ns]) and the place's point.
        """
        first, last = self.span(start, end)
        tl = self.intervals.drop(columns=["since", "seq"])
        tl = tl[(tl["start"] <= last) & (tl["end"] > first)]
        ids = self._ids(place)
        if ids is not None:
            tl = tl[tl[PLACE_ID].isin(ids)]
        return self._with_places(tl.sort_values([PLACE_ID, "start"], ignore_index=True))

    def control_matrix(self, start: DateLike | None = None, end: DateLike | None = None) -> pd.DataFrame:
        """Controller of every place on every day, as codes.

        Parameters
        ----------
        start, end : date-like, optional
            The days (default: the period).

        Returns
        -------
        pandas.DataFrame
            Days (datetime64[ns] index) x place_ids of int8 codes: code i is ``list(ds.sides)[i]``, -1 where
            unknown. ``frame.attrs["sides"]`` holds that key: ``{code: side}``.
        """
        start, end = self.span(start, end)
        ids = list(self.places[PLACE_ID])
        days, codes = timeline.control_matrix(self.intervals, ids, start, end, list(self.sides))
        frame = pd.DataFrame(codes, index=days.astype(DATE_DTYPE), columns=ids)
        frame.attrs["sides"] = {-1: None, **dict(enumerate(self.sides))}
        return frame

    def changes(self, start: DateLike | None = None, end: DateLike | None = None,
                place: Places | None = None, kind: str | None = None) -> gpd.GeoDataFrame:
        """Control changes whose effective date lies in the days [start, end].

        Parameters
        ----------
        start, end : date-like, optional
            The days (default: the whole period).
        place : str or list of str, optional
            Only these places.
        kind : {"hands", "status"}, optional
            Only changes of hands (another controller) or only changes of status or challenger.

        Returns
        -------
        geopandas.GeoDataFrame
            One row per change, in date order: place_id, name, date, date_end, effective (the day it takes
            effect: date_end for a range), controller, status, challenger, basis, refs, note, the state it
            follows (previous_controller, previous_status, previous_challenger), kind and the place's point.
        """
        first, last = self.span(start, end)
        df = timeline.changes_between(self.control_changes, first, last, kind)
        ids = self._ids(place)
        if ids is not None:
            df = df[df[PLACE_ID].isin(ids)]
        return self._with_places(df.drop(columns=["since"], errors="ignore").reset_index(drop=True))

    def history(self, place: str) -> gpd.GeoDataFrame:
        """All states of one place, initial state first.

        Parameters
        ----------
        place : str
            Any name, alias or id.

        Returns
        -------
        geopandas.GeoDataFrame
            The place's rows of control_changes (its initial state has no date), with name and point.
        """
        pid = self.resolve(place)
        rows = self.control_changes[self.control_changes[PLACE_ID] == pid]
        return self._with_places(rows.drop(columns=["since"], errors="ignore").reset_index(drop=True))

    # -- events -------------------------------------------------------------------------------------
    def events_filtered(self, place: Places | None = None, date: DateLike | None = None,
                        start: DateLike | None = None, end: DateLike | None = None) -> gpd.GeoDataFrame:
        """Events at a place and/or overlapping a day or the days [start, end].

        Parameters
        ----------
        place : str or list of str, optional
            Only events at these places.
        date : date-like, optional
            Only events overlapping this day (not checked against the period).
        start, end : date-like, optional
            Only events overlapping the days [start, end].

        Returns
        -------
        geopandas.GeoDataFrame
            Rows of `events`, in date order.
        """
        events = self.events
        ids = self._ids(place)
        if ids is not None:
            events = events[events[PLACE_ID].isin(ids)]
        if date is not None:
            start = end = as_day(date)
        if start is not None or end is not None:
            first = as_day(start) if start is not None else pd.Timestamp.min
            last = as_day(end, last=True) if end is not None else pd.Timestamp.max
            if last < first:
                raise BadDate.order(first, last)
            events = _overlapping(events, first, last)
        return events

    @cached_property
    def context(self) -> gpd.GeoDataFrame:
        """The dataset's own ground from its context.geojson (rivers, roads, ridgelines, named features):
        name, kind, precision_m, source, refs, note, geometry (EPSG:4326); empty when the folder has none.
        Read on first use, through the guarded reader (load() has validated the file)."""
        from .io.folder import context_frame

        return context_frame(self.folder, self.meta)

    # -- estimated zones of control and front lines (see areas.py) ------------------------------------
    @cached_property
    def _tiles(self):
        from .areas import Tiles, not_ground_kinds

        # Only places with a control state stand for ground: one nobody is said to hold takes none.
        return Tiles(self.places, not_ground_kinds(self.vocabulary), stateful=set(self.control_changes[PLACE_ID]))

    @cached_property
    def cells(self) -> pd.DataFrame:
        """place_id, radius_m (its reach) and geometry of each place's tile: the ground it stands for (fixed)."""
        return self._tiles.cells()

    @cached_property
    def _zones(self):
        from .areas import derive

        changes = self.control_changes
        basis = dict(zip(zip(changes[PLACE_ID], changes["seq"]), changes["basis"]))
        return derive(self._tiles, self.intervals, basis, self.vocabulary.opposed)

    @property
    def area_intervals(self) -> gpd.GeoDataFrame:
        """Estimated zones of control over the whole period, one row per zone and interval in which it is
        constant [start, end): zone_id, side, status, challenger, basis, place_id, start, end, area_km2,
        method, geometry (EPSG:4326). Derived from the places, never observed (see areas.py)."""
        return self._zones[0]

    @property
    def front_intervals(self) -> gpd.GeoDataFrame:
        """Estimated front lines over the whole period: front_id, side_a, side_b, start, end, length_km,
        method, geometry (EPSG:4326), one row per front and interval in which it is constant."""
        return self._zones[1]

    @cached_property
    def mark_intervals(self) -> gpd.GeoDataFrame:
        """The states of places that are infrastructure, not ground (a bridge, a building: dataset.json
        place_kinds "ground": false): the columns of area_intervals with ground False, area 0 and the place's
        Point, one row per state and interval. A contested bridge is a mark on the bridge, never a zone."""
        from .areas import kind_roles, mark_intervals

        changes = self.control_changes
        basis = dict(zip(zip(changes[PLACE_ID], changes["seq"]), changes["basis"]))
        marks = {k for k, role in kind_roles(self.vocabulary).items() if role == "mark"}
        return mark_intervals(self.places, self.intervals, basis, marks)

    def marks(self, date: DateLike) -> gpd.GeoDataFrame:
        """The marks (see mark_intervals) at the end of `date`."""
        from .areas import covering

        return covering(self.mark_intervals, self.day(date))

    def areas(self, date: DateLike) -> gpd.GeoDataFrame:
        """Estimated zones of control at the end of `date`: the rows of area_intervals covering it."""
        from .areas import covering

        return covering(self.area_intervals, self.day(date))

    def front_lines(self, date: DateLike) -> gpd.GeoDataFrame:
        """Estimated front lines at the end of `date`: the rows of front_intervals covering it."""
        from .areas import covering

        return covering(self.front_intervals, self.day(date))

    def area_by_day(self, start: DateLike | None = None, end: DateLike | None = None) -> pd.DataFrame:
        """km² held by each side on each day (days x sides), the battle's curve in one table."""
        from .areas import side_area_by_day

        self.span(start, end)  # the arguments checked before any work
        return side_area_by_day(self._tiles, self.control_matrix(start, end), list(self.sides))

    # -- spatial queries (see query.py) ---------------------------------------------------------------
    def within(self, place: str, radius_m: float | str, date: DateLike | None = None,
               controller: str | None = None) -> gpd.GeoDataFrame:
        """Places within `radius_m` metres of `place` (itself excluded), nearest first.

        Parameters
        ----------
        place : str
            Any name, alias or id.
        radius_m : float or str
            Radius in metres (geodesic, WGS84), or a text with its unit as the CLI takes it: "5km", "500 m".
            A negative radius is refused (ValueError).
        date : date-like, optional
            Add each place's control at the end of this day.
        controller : str, optional
            Only places held by this side on `date` (needs `date`).

        Returns
        -------
        geopandas.GeoDataFrame
            place_id, name, distance_m (and controller, status, challenger, since with a date), point.
        """
        from .query import within

        return within(self, place, radius_m, date, controller)

    def nearest(self, place: str, n: int = 5, date: DateLike | None = None,
                controller: str | None = None) -> gpd.GeoDataFrame:
        """The `n` places nearest to `place`; arguments and columns as in within()."""
        from .query import nearest

        return nearest(self, place, n, date, controller)

    def front_distance(self, date: DateLike) -> gpd.GeoDataFrame:
        """Each controlled place's distance to the nearest place held by a side it fights (not an ally; a
        neutral side fights nobody), as the front lines are drawn.

        Parameters
        ----------
        date : date-like

        Returns
        -------
        geopandas.GeoDataFrame
            control() columns plus nearest_other_place, nearest_other_side and distance_m, nearest first.
        """
        from .query import front_distance

        return front_distance(self, date)

    def distance(self, a: str | tuple[float, float], b: str | tuple[float, float]) -> "Distance":
        """Geodesic distance and initial bearing from `a` to `b` on WGS84.

        Parameters
        ----------
        a, b : str or tuple of float
            A place (any name, alias or id) or a (lon, lat) pair.

        Returns
        -------
        jisrgeo.geodesy.Distance
            A NamedTuple: origin and destination (place_id, or the pair as text), distance_m (metres,
            0.1 m) and bearing_deg (initial bearing, degrees clockwise from north); `.km` and `.compass`.

        Raises
        ------
        UnknownPlace
            If a name is no place of this dataset (with suggestions).
        """
        from .geodesy import distance

        (pa, label_a), (pb, label_b) = self._point(a), self._point(b)
        return distance(pa, pb, label_a, label_b)

    def _point(self, value):
        """((lon, lat), place_id or None) for a place name or a (lon, lat) pair."""
        if isinstance(value, (tuple, list)) and len(value) == 2:
            return tuple(value), None
        row = self.place(value)
        return (row.geometry.x, row.geometry.y), row[PLACE_ID]

    def distance_matrix(self, places: Iterable[str] | None = None, method: str = "geodesic") -> pd.DataFrame:
        """Distances in metres between places (all by default), labelled by place_id.

        method: "geodesic" (exact, pyproj) or "andoyer" (vectorized approximation, see geodesy.andoyer).
        """
        from .geodesy import distance_matrix

        ids = [self.resolve(p) for p in places] if places is not None else list(self.places[PLACE_ID])
        points = self.places.set_index(PLACE_ID).loc[ids].geometry
        return pd.DataFrame(distance_matrix(points.x, points.y, method), index=ids, columns=ids)

    # -- pictures (see maps/) ---------------------------------------------------------------------------
    def plot(self, date: DateLike, ax: "Axes | None" = None, labels: bool = True, legend: bool = True) -> "Axes":
        """Draw the day on a matplotlib Axes, as GeoDataFrame.plot does.

        Parameters
        ----------
        date : date-like
            The day (the state at its end).
        ax : matplotlib.axes.Axes, optional
            Where to draw. Default: a new figure (pyplot's if you use pyplot, else a plain Figure).
        labels, legend : bool, default True
            Label the main places; show the sides' colours.

        Returns
        -------
        matplotlib.axes.Axes
            Estimated areas (solid where reported, hatched where inferred or challenged), front lines and
            places in the sides' colours, framed on the battle. No matplotlib setting is changed.
        """
        from .maps.plot import plot_day

        return plot_day(self, date, ax, labels, legend)

    def explore(self, date: DateLike) -> "folium.Map":
        """The day's interactive map (the page `jisrgeo map` writes), as GeoDataFrame.explore does.

        Parameters
        ----------
        date : date-like

        Returns
        -------
        folium.Map
            Shown inline in a notebook; ``.save("day.html")`` writes it.
        """
        from .maps import day_map

        return day_map(self, date)

    # -- exports (see export/) ------------------------------------------------------------------------
    def to_gpkg(self, path: str | os.PathLike[str], replace: bool = False) -> Path:
        """One GeoPackage with every layer, QGIS styles and temporal settings (and a .qgs project)."""
        from .export import to_gpkg

        return to_gpkg(self, path, replace)

    def to_geojson(self, folder: str | os.PathLike[str], replace: bool = False) -> list[Path]:
        """One RFC 7946 GeoJSON file per spatial layer."""
        from .export import to_geojson

        return to_geojson(self, folder, replace)

    def to_csv(self, folder: str | os.PathLike[str], replace: bool = False, raw: bool = False) -> list[Path]:
        """One CSV per layer (points as lon/lat, lines as WKT); text a spreadsheet would run as a formula
        (starting with =, +, -, @, tab or CR) gets a leading apostrophe unless raw=True."""
        from .export import to_csv

        return to_csv(self, folder, replace, raw)

    def to_parquet(self, folder: str | os.PathLike[str], replace: bool = False) -> list[Path]:
        """One GeoParquet file per layer (GeoParquet 1.1); jisrgeo.load(folder) reads it back."""
        from .export import to_parquet

        return to_parquet(self, folder, replace)

    def source_labels(self, refs: Iterable[int]) -> list[str]:
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
