"""UCDP GED rows as jisrgeo events (the mapping the README documents table by table)."""

from collections.abc import Mapping
from datetime import date

from . import owntags
from .imports import Row, SideRules, coordinates, number

REQUIRED = ("id", "type_of_violence", "side_a", "side_b", "country", "latitude", "longitude", "where_prec",
            "date_prec", "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown",
            "best", "low", "high", "source_article")
# Codebook columns of GED (export --format ucdp writes these).
COLUMNS = ("id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_dset_id",
           "conflict_new_id", "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name", "side_a_dset_id",
           "side_a_new_id", "side_a", "side_b_dset_id", "side_b_new_id", "side_b", "number_of_sources",
           "source_article", "source_office", "source_date", "source_headline", "source_original", "where_prec",
           "where_coordinates", "where_description", "adm_1", "adm_2", "latitude", "longitude", "geom_wkt",
           "priogrid_gid", "country", "country_id", "region", "event_clarity", "date_prec", "date_start", "date_end",
           "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "best", "high", "low", "gwnoa", "gwnob")
# where_prec: 1 exact place; 2 within 25 km of a known point; 3 a second-order division (district);
# 4 a first-order division (province); 5 a linear feature (road, river) or a line between places;
# 6 the country only; 7 international waters or airspace. Radius of doubt, metres:
WHERE_PREC_M = {1: 1_000, 2: 25_000, 3: 50_000, 4: 150_000, 5: 50_000, 6: 500_000, 7: 500_000}
PRECISION_M = WHERE_PREC_M  # the radii a row may have (imports.Places indexes places by them)
VIOLENCE = {1: ("armed_clash", "state-based conflict"), 2: ("armed_clash", "non-state conflict"),
            3: ("attack_on_civilians", "one-sided violence")}
# date_prec: 1 the day; 2 a range of 2-6 days; 3 the week; 4 8-30 days or the month; 5 more than a month.
# date_start/date_end carry the range, so any date_prec above 1 becomes our 'range'.


def _iso(text, name):
    try:
        return date.fromisoformat(text.strip()[:10]).isoformat()
    except ValueError:
        raise ValueError(f"{name} {text!r} is not YYYY-MM-DD") from None


def row(record: Mapping[str, str], line: int, sides: SideRules) -> Row:
    start, end = _iso(record["date_start"], "date_start"), _iso(record["date_end"] or record["date_start"], "date_end")
    precision = number(record["date_prec"], "date_prec", int)
    if precision not in (1, 2, 3, 4, 5):
        raise ValueError(f"date_prec {precision} is not 1 to 5")
    if end < start:
        raise ValueError(f"date_end {end} comes before date_start {start}")
    lon, lat = coordinates(record)
    where = number(record["where_prec"], "where_prec", int)
    if where not in WHERE_PREC_M:
        raise ValueError(f"where_prec {where} is not 1 to 7")
    violence = number(record["type_of_violence"], "type_of_violence", int)
    if violence not in VIOLENCE:
        raise ValueError(f"type_of_violence {violence} is not 1, 2 or 3")
    kind, verbatim = VIOLENCE[violence]
    # Our own export's marks (source_original): its sides' labels name them even without a sides file.
    tags = owntags.read(record.get("source_original"))
    owntags.learn(tags, sides)
    side_a, side_b = record["side_a"].strip(), record["side_b"].strip()
    deaths = [(sides.side(side_a), side_a, None, number(record["deaths_a"] or 0, "deaths_a", int), None),
              (sides.side(side_b), side_b, None, number(record["deaths_b"] or 0, "deaths_b", int), None),
              ("civilian", None, None, number(record["deaths_civilians"] or 0, "deaths_civilians", int), None),
              ("unknown", None, None, number(record["deaths_unknown"] or 0, "deaths_unknown", int), None)]
    totals = [number(record[k] or 0, k, int) for k in ("low", "best", "high")]
    described = (record.get("where_description") or "").strip()
    name = (record.get("where_coordinates") or "").strip()
    # The place's name: where_coordinates (its first part), else where_description, else the position.
    name = name.split(",")[0].strip() if name else described or f"{lat:.4f}, {lon:.4f}"
    relid = (record.get("relid") or "").strip()
    gwno = (record.get("country_id") or "").strip()
    row = Row(line=line, event_id=f"ged_{record['id'].strip()}", date=start, date_end=end if end != start else None,
               date_precision="day" if end == start else "range", lon=lon, lat=lat, precision_m=WHERE_PREC_M[where],
               location=name, admin=(record.get("adm_1", "").strip(), record.get("adm_2", "").strip(), ""),
               country=record["country"].strip(), type=kind, verbatim_type=verbatim, actor1=side_a, actor2=side_b,
               source=record["source_article"].strip(), deaths=deaths,
               # relid: GED's own are unique per event; ours name the incident rival claims share.
               incident=relid if relid and relid != record["id"].strip() else None,
               note=(f"UCDP GED {verbatim} (type_of_violence {violence}, date_prec {precision}, where_prec {where}); "
                     f"deaths low {totals[0]}, best {totals[1]}, high {totals[2]}. "
                     f"{(record.get('source_headline') or '').strip() or described}").strip(),
               location_source=f"UCDP GED where_prec {where} (±{WHERE_PREC_M[where]:,} m)",
               country_meta={"name": record["country"].strip(), **({"gwno": int(gwno)} if gwno.isdigit() else {})})
    owntags.restore(row, tags, totals[1], start, end)
    return row
