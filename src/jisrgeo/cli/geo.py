"""Commands about distance and the source's own figures: distance, route, within, nearest, front, claims, casualties."""

import json
from typing import TYPE_CHECKING

import click

from ..errors import JisrgeoError

from ._common import F, data_option, echo, emit, emit_rows, format_option, handle_errors, load, radius_param

if TYPE_CHECKING:
    from ..dataset import Dataset


def _point(text):
    """A place name, or 'lon,lat'."""
    parts = text.split(",")
    if len(parts) == 2:
        try:
            return float(parts[0]), float(parts[1])
        except ValueError:
            pass
    return text


def _require_date(ctx, param, value):
    if value and not ctx.params.get("date"):
        raise click.UsageError("--controller needs --date", ctx=ctx)
    return value


def control_filter(fn: F) -> F:
    """--date and --controller, shared by the place queries (--controller needs --date)."""
    fn = click.option("--controller", callback=_require_date,
                      help="Only places held by this side, one of the dataset's side codes (needs --date).")(fn)
    return click.option("--date", is_eager=True, help="Add each place's control at the end of this day.")(fn)


def _query_columns(date):
    return ["place_id", "name", "distance_m"] + (["controller", "status"] if date else [])


def check_side(ds: "Dataset", side: str | None, casualty: bool = False) -> str | None:
    """A side code the dataset knows, else a usage error listing its sides."""
    known = ds.vocabulary.casualty_sides if casualty else tuple(ds.sides)
    if side is not None and side not in known:
        raise click.UsageError(f"{side!r} is not a side of {ds.name}; its sides are: {', '.join(known)}")
    return side


@click.command()
@click.argument("a")
@click.argument("b")
@data_option
@format_option("table", "json", "csv")
@handle_errors
def distance(a: str, b: str, data_path: str | None, fmt: str) -> None:
    """Geodesic distance (WGS84) and initial bearing from A to B.

    A and B are place names or ids, or lon,lat pairs such as 36.3,35.8.

    \b
    Python: jisrgeo.distance("hospital", "Ariha")
    """
    ds = load(data_path)
    try:
        result = ds.distance(_point(a), _point(b))
    except ValueError as exc:
        if isinstance(exc, JisrgeoError):
            raise
        raise click.UsageError(str(exc)) from None
    if fmt == "json":
        echo(json.dumps(result._asdict(), ensure_ascii=False))
    elif fmt == "csv":
        emit_rows([result._asdict()], fmt, list(result._fields))
    else:
        echo(f"{result.origin} -> {result.destination}: {result.km:.2f} km, "
                   f"bearing {result.bearing_deg:.0f}° ({result.compass})")


@click.command()
@click.argument("name", required=False)
@data_option
@format_option("table", "json", "csv", "geojson")
@handle_errors
def route(name: str | None, data_path: str | None, fmt: str) -> None:
    """Geodesic length of a route (or all routes), beside the length the source states.

    \b
    Python: jisrgeo.geodesy.line_length(ds.routes.geometry[0])  # metres
    """
    from ..geodesy import line_length

    ds = load(data_path)
    routes = ds.routes
    if name:
        routes = routes[(routes["route_id"] == name) | (routes["name"].str.lower() == name.lower())]
        if routes.empty:
            raise click.UsageError(f"unknown route {name!r}; routes: {', '.join(ds.routes['route_id'])}")
    rows = routes.assign(length_m=[round(line_length(g), 1) for g in routes.geometry])
    emit(rows, fmt, ["route_id", "name", "kind", "date", "length_m", "stated_length_m", "schematic", "refs"])


@click.command()
@click.argument("place")
@click.argument("radius", callback=radius_param)
@control_filter
@data_option
@format_option("table", "json", "csv", "geojson")
@handle_errors
def within(place: str, radius: float, date: str | None, controller: str | None, data_path: str | None, fmt: str) -> None:
    """Places within RADIUS of PLACE, nearest first; RADIUS like 10km or 500m.

    \b
    Python: jisrgeo.load().within("hospital", 10_000, date="2015-05-09", controller="opposition")
    """
    ds = load(data_path)
    hits = ds.within(place, radius, date=date, controller=check_side(ds, controller))
    distance = f"{radius / 1000:g} km" if radius >= 1000 else f"{radius:g} m"
    emit(hits, fmt, _query_columns(date), title=_title(ds, f"within {distance} of {ds.place(place)['name']}", date),
         ds=ds)


@click.command()
@click.argument("place")
@click.option("-n", default=5, show_default=True, type=click.IntRange(min=1), help="How many places.")
@control_filter
@data_option
@format_option("table", "json", "csv", "geojson")
@handle_errors
def nearest(place: str, n: int, date: str | None, controller: str | None, data_path: str | None, fmt: str) -> None:
    """The N places nearest to PLACE.

    \b
    Python: jisrgeo.load().nearest("Ariha", n=5, date="2015-05-09", controller="government")
    """
    ds = load(data_path)
    hits = ds.nearest(place, n, date=date, controller=check_side(ds, controller))
    emit(hits, fmt, _query_columns(date), title=_title(ds, f"the places nearest to {ds.place(place)['name']}", date),
         ds=ds)


def _title(ds, what, date):
    """A table's title in the dataset's words: the place's name, not what was typed."""
    return f"{ds.name}: {what}" + (f", control at the end of {ds.day(date):%Y-%m-%d}" if date else "")


@click.command()
@click.option("--date", required=True, help="Day (YYYY-MM-DD).")
@data_option
@format_option("table", "json", "csv", "geojson")
@handle_errors
def front(date: str, data_path: str | None, fmt: str) -> None:
    """Each place's distance to the nearest place held by a side it fights (a front-line proxy).

    Allies and neutral sides (dataset.json sides) are not enemies, as in `frontlines`:
    a neutral side's places, and a side's with no enemy, have no distance.

    \b
    Python: jisrgeo.load().front_distance("2015-05-10")
    """
    ds = load(data_path)
    emit(ds.front_distance(date), fmt, ["place_id", "name", "controller", "nearest_other_place", "nearest_other_side",
                                        "distance_m"], ds=ds)


@click.command()
@data_option
@format_option("table", "json", "csv")
@handle_errors
def claims(data_path: str | None, fmt: str) -> None:
    """Check every distance and direction the source states against the gazetteer.

    \b
    Python: jisrgeo.claims.check_claims(jisrgeo.load())
    """
    from ..claims import check_claims

    rows = check_claims(load(data_path))
    emit(rows, fmt, ["claim_id", "text", "stated_m", "computed_m", "stated_direction", "computed_direction",
                     "margin", "verdict", "refs"])


@click.command()
@click.option("--side", help="Only this side: one of the dataset's sides, civilian or unknown.")
@click.option("--from", "start", help="First day (YYYY-MM-DD).")
@click.option("--to", "end", help="Last day (YYYY-MM-DD).")
@click.option("--allegations", is_flag=True,
              help="Add massacre allegations into the sums (default: they are listed apart, never added).")
@data_option
@format_option("table", "json", "csv")
@handle_errors
def casualties(side: str | None, start: str | None, end: str | None, allegations: bool, data_path: str | None,
               fmt: str) -> None:
    """Sum the events' casualty figures per side, beside the infobox's totals.

    Rival claims about one incident count once (low = smallest, best and high =
    largest); massacre allegations (one party's accusation) and tolls over a
    period are listed apart and never added in, unless --allegations adds the
    allegations. --format csv prints the sums only.

    \b
    Python: jisrgeo.claims.casualty_totals(ds)        # the same sums, allegations apart
            jisrgeo.claims.casualty_totals(ds, allegations=True)   # --allegations
            jisrgeo.claims.casualty_totals(ds, allegations="only") # the allegations table
            jisrgeo.claims.infobox_comparison(ds), jisrgeo.claims.aggregate_reports(ds)
    """
    from ..claims import aggregate_reports, casualty_totals, infobox_comparison

    ds = load(data_path)
    check_side(ds, side, casualty=True)
    totals = casualty_totals(ds, side, start, end, allegations=allegations)
    alleged = casualty_totals(ds, side, start, end, allegations="only")
    box = infobox_comparison(ds)
    reports = aggregate_reports(ds)
    if side:
        box, reports = box[box["side"] == side], reports[reports["side"] == side]
    if fmt == "json":
        from ._common import records

        echo(json.dumps({"totals": records(totals), "alleged_massacres": records(alleged), "infobox": records(box),
                               "period_reports": records(reports)}, ensure_ascii=False, indent=2))
        return
    title = "with massacre allegations added in" if allegations else "massacre allegations apart"
    emit(totals, fmt, title=f"Sums over dated incidents ({title})", ds=ds)
    if fmt == "table":
        emit(alleged, fmt, title="Massacre allegations (claims by one party)", ds=ds)
        emit(box, fmt, ["side", "outcome", "infobox", "qualifier", "period", "events_low", "events_best",
                        "events_high", "alleged_massacres_best", "verdict"], title="Infobox totals beside the events", ds=ds)
        emit(reports, fmt, title="Tolls over a period (not added to the sums)", ds=ds)


@click.command()
@click.argument("places", nargs=-1)
@click.option("--fast", is_flag=True, help="Andoyer-Lambert approximation (within 1e-5 of geodesic), for thousands of places.")
@data_option
@format_option("table", "json", "csv")
@handle_errors
def matrix(places: tuple[str, ...], fast: bool, data_path: str | None, fmt: str) -> None:
    """Distances in km between PLACES (default: all places), as a matrix.

    \b
    Python: jisrgeo.load().distance_matrix(["hospital", "Ariha"], method="andoyer")  # metres; default "geodesic"
    """
    method = "andoyer" if fast else "geodesic"
    km = (load(data_path).distance_matrix(list(places) or None, method) / 1000).round(2)
    emit(km.rename_axis("place_id").reset_index(), fmt)


COMMANDS = [distance, matrix, route, within, nearest, front, claims, casualties]
