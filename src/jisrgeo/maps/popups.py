"""Popup and panel HTML. Every value from the data passes through esc()."""

import pandas as pd

from ._base import esc
from ._states import ints


WORDING = {"more_than": "more than", "about": "about"}


def fmt_figure(low, best, high, qualifier=None):
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


def killed_text(dataset, event):
    """'Government 32 killed, Opposition at least 40 killed' from an event's killed_* columns."""
    label = dataset.vocabulary.label
    parts = [f"{label(side)} {fmt_figure(event[f'killed_{side}_low'], event[f'killed_{side}_best'], event[f'killed_{side}_high'])} killed"
             for side in dataset.vocabulary.casualty_sides
             if not (pd.isna(event[f"killed_{side}_best"]) and pd.isna(event[f"killed_{side}_low"]))]
    return ", ".join(parts)


def when_text(record):
    """'2015-05-17' or '2015-05-17 to 2015-05-19' for a record with date and date_end."""
    start, end = record["date"], record["date_end"]
    return f"{start:%Y-%m-%d}" + (f" to {end:%Y-%m-%d}" if pd.notna(end) else "")


def sources_html(dataset, refs):
    items = "".join(f"<li>{esc(label)}</li>" for label in dataset.source_labels(ints(refs)))
    return f"<b>Sources</b><ol>{items}</ol>"


def casualty_lines(dataset, event_id, figures=None):
    """The event's figures as a list; `figures`: its rows of dataset.casualties when the caller grouped them once."""
    if figures is None:
        figures = dataset.casualties[(dataset.casualties["event_id"] == event_id)]
    lines = []
    for row in figures.itertuples():
        what = row.outcome.replace("_", " ")
        qualifier = row.qualifier if isinstance(row.qualifier, str) else None
        amount = fmt_figure(row.low, row.best, row.high, qualifier) or f"{row.text or 'an unquantified number'} (no figure given)"
        lines.append(f"<li>{esc(dataset.vocabulary.label(row.side))}: {esc(amount)} {esc(what)}</li>")
    return f"<ul>{''.join(lines)}</ul>" if lines else ""


def event_popup(dataset, event, figures=None):
    when = when_text(event)
    actors = " vs ".join(a for a in (event["actor1"], event["actor2"]) if isinstance(a, str) and a)
    return (f'<div class="jg-popup"><h4>{esc(dataset.vocabulary.label(event["type"]))}: {esc(when)}</h4>'
            f"<div>{esc(actors)}</div>"
            f"<div><b>Claimed by:</b> {esc(event['claimant'])}</div>"
            f"{casualty_lines(dataset, event['event_id'], figures)}"
            f"<div>{esc(event['note'])}</div>{sources_html(dataset, event['refs'])}</div>")


def route_popup(dataset, route):
    stated = f"<div><b>Stated:</b> {esc(route['stated_length_text'])}</div>" if isinstance(route["stated_length_text"], str) else ""
    schematic = "<div><i>Schematic line</i></div>" if pd.notna(route["schematic"]) and bool(route["schematic"]) else ""
    return (f'<div class="jg-popup"><h4>{esc(route["name"])}</h4>{schematic}{stated}'
            f"<div>{esc(route['note'])}</div>{sources_html(dataset, route['refs'])}</div>")
