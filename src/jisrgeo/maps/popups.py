"""Popup and panel HTML: the popups are templates (maps/templates/) fed only variables, autoescaped."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ._states import ints
from ._templates import render

if TYPE_CHECKING:
    from ..dataset import Dataset


WORDING = {"more_than": "more than", "about": "about"}


def fmt_figure(low: Any, best: Any, high: Any, qualifier: str | None = None) -> str:
    values = [None if pd.isna(v) else int(v) for v in (low, best, high)]
    low, best, high = values
    if low is None and best is None and high is None:
        return ""
    if qualifier in WORDING and best is not None:
        return f"{WORDING[qualifier]} {best}"
    if low is not None and high is not None and low != high:
        return f"{low}–{high}" + (f" (best {best})" if best is not None else "")
    if best is not None:
        return (f"at least {best}" if low == best and high is None else str(best))
    return f"at least {low}" if low is not None else str(high)


def killed_text(dataset: Dataset, event: Any) -> str:
    """'Government 32 killed, Opposition at least 40 killed' from an event's killed_* columns."""
    label = dataset.vocabulary.label
    parts = [f"{label(side)} {fmt_figure(event[f'killed_{side}_low'], event[f'killed_{side}_best'], event[f'killed_{side}_high'])} killed"
             for side in dataset.vocabulary.casualty_sides
             if not (pd.isna(event[f"killed_{side}_best"]) and pd.isna(event[f"killed_{side}_low"]))]
    return ", ".join(parts)


def when_text(record: Any) -> str:
    """'2015-05-17' or '2015-05-17 to 2015-05-19' for a record with date and date_end."""
    start, end = record["date"], record["date_end"]
    return f"{start:%Y-%m-%d}" + (f" to {end:%Y-%m-%d}" if pd.notna(end) else "")


def _figure(dataset, row):
    qualifier = row.qualifier if isinstance(row.qualifier, str) else None
    amount = fmt_figure(row.low, row.best, row.high, qualifier) or f"{row.text or 'an unquantified number'} (no figure given)"
    return (dataset.vocabulary.label(row.side), amount, row.outcome.replace("_", " "))


def casualty_figures(dataset: Dataset, event_id: str) -> list[tuple[str, str, str]]:
    """[(side label, amount, outcome)] of an event's figures."""
    return [_figure(dataset, row) for row in dataset.casualties[dataset.casualties["event_id"] == event_id].itertuples()]


def casualty_figures_by_event(dataset: Dataset) -> dict[str, list[tuple[str, str, str]]]:
    """{event_id: [(side label, amount, outcome)]} of every event, in one pass over the figures."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for row in dataset.casualties.itertuples():
        out.setdefault(row.event_id, []).append(_figure(dataset, row))
    return out


def event_popup(dataset: Dataset, event: Any, figures: list[tuple[str, str, str]] | None = None,
                sources: list[str] | None = None) -> str:
    """An event's popup; figures (see casualty_figures) and source labels when the caller gathered them once."""
    actors = " vs ".join(a for a in (event["actor1"], event["actor2"]) if isinstance(a, str) and a)
    if figures is None:
        figures = casualty_figures(dataset, event["event_id"])
    if sources is None:
        sources = dataset.source_labels(ints(event["refs"]))
    return render("event_popup.html", type=dataset.vocabulary.label(event["type"]), when=when_text(event), actors=actors,
                  claimant=event["claimant"], figures=figures, note=event["note"], sources=sources)


def route_popup(dataset: Dataset, route: Any) -> str:
    stated = route["stated_length_text"] if isinstance(route["stated_length_text"], str) else None
    return render("route_popup.html", route=route.to_dict(), stated=stated,
                  schematic=pd.notna(route["schematic"]) and bool(route["schematic"]),
                  sources=dataset.source_labels(ints(route["refs"])))


def _metres(value):
    return f"{value:.0f}" if isinstance(value, (int, float)) and value == value else "?"


def place_popup(place: Any) -> str:
    """A place's popup, its state and sources left as <!--@STATE@--> and <!--@SOURCES@--> for the page to fill
    (no data can write those: its '<' is escaped). The state comes first; other names are folded."""
    aliases = [a for a in place["aliases"] if isinstance(a, str)] if isinstance(place["aliases"], (list, tuple)) else []
    return render("place_popup.html", place=place.to_dict(), aliases=aliases, metres=_metres(place["precision_m"]))
