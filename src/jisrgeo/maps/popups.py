"""Popup and panel HTML. Every value from the data passes through esc()."""

import pandas as pd

from ..vocab import CASUALTY_SIDES
from ._base import esc


def fmt_figure(low, best, high):
    values = [None if pd.isna(v) else int(v) for v in (low, best, high)]
    low, best, high = values
    if low is not None and high is not None and low != high:
        return f"{low}–{high}" + (f" (best {best})" if best is not None else "")
    if best is not None:
        return (f"at least {best}" if low == best and high is None else str(best))
    return f"at least {low}" if low is not None else str(high)


def killed_text(event):
    """'government 32 killed, opposition at least 40 killed' from an event's killed_* columns."""
    parts = [f"{side} {fmt_figure(event[f'killed_{side}_low'], event[f'killed_{side}_best'], event[f'killed_{side}_high'])} killed"
             for side in CASUALTY_SIDES
             if not (pd.isna(event[f"killed_{side}_best"]) and pd.isna(event[f"killed_{side}_low"]))]
    return ", ".join(parts)


def sources_html(dataset, refs):
    items = "".join(f"<li>{esc(label)}</li>" for label in dataset.source_labels(refs))
    return f"<b>Sources</b><ol>{items}</ol>"


def casualty_lines(dataset, event_id):
    figures = dataset.casualties[(dataset.casualties["event_id"] == event_id)]
    lines = []
    for row in figures.itertuples():
        what = row.outcome.replace("_", " ")
        lines.append(f"<li>{esc(row.side)}: {esc(fmt_figure(row.low, row.best, row.high))} {esc(what)}</li>")
    return f"<ul>{''.join(lines)}</ul>" if lines else ""


def event_popup(dataset, event):
    when = event["date"] + (f" to {event['date_end']}" if isinstance(event["date_end"], str) else "")
    actors = " vs ".join(a for a in (event["actor1"], event["actor2"]) if isinstance(a, str) and a)
    return (f'<div class="jg-popup"><h4>{esc(event["type"].replace("_", " "))}: {esc(when)}</h4>'
            f"<div>{esc(actors)}</div>"
            f"<div><b>Claimed by:</b> {esc(event['claimant'])}</div>"
            f"{casualty_lines(dataset, event['event_id'])}"
            f"<div>{esc(event['note'])}</div>{sources_html(dataset, event['refs'])}</div>")


def route_popup(dataset, route):
    stated = f"<div><b>Stated:</b> {esc(route['stated_length_text'])}</div>" if route["stated_length_text"] else ""
    schematic = "<div><i>Schematic line</i></div>" if route["schematic"] else ""
    return (f'<div class="jg-popup"><h4>{esc(route["name"])}</h4>{schematic}{stated}'
            f"<div>{esc(route['note'])}</div>{sources_html(dataset, route['refs'])}</div>")
