"""index.html: the period at a glance, with the animated map linked first."""

from ..signatures import HTML_SIGNATURE
from ._base import PAGE_STYLE_INDEX, esc, esc_attr
from ._days import shifts, shown_on


def index_page(dataset, days, day_href, animated_href, png_href=None, data_href=None, gif_href=None,
               png_day_href=None):
    """Static HTML: a table of days with their control changes and events, linking each day's map."""
    start, end = dataset.period
    changes = dataset.changes()
    shown = shown_on(dataset.events).value_counts()  # counted on the day each event's map shows it
    by_day = {}
    for day, _, name, handover, words, _ in shifts(dataset):  # the viewer's own wording
        by_day.setdefault(day, ([], []))[0 if handover else 1].append(f"{esc(name)}: {esc(words)}")
    rows = []
    for day in days:
        key = day.strftime("%Y-%m-%d")
        hands, status = by_day.get(day, ([], []))
        what = "".join(f"<div><b>{title}:</b> {'; '.join(items)}</div>"
                       for title, items in (("Changed hands", hands), ("Status", status)) if items)
        n_events = int(shown.get(day, 0))
        png_href_day = png_day_href(key) if png_day_href else None  # None: no PNG of that day
        png = f' <a href="{png_href_day}" class="jg-png">PNG</a>' if png_href_day else ""
        rows.append(f'<tr><td><a href="{day_href(key)}">{key}</a>{png}</td><td>{what}</td><td>{n_events}</td></tr>')
    extra = "".join(f'<li><a href="{href}">{label}</a></li>' for label, href in
                    (("Key days (PNG)", png_href), ("Animation of the day maps (GIF)", gif_href), ("Data exports (GeoPackage, GeoJSON, CSV)", data_href)) if href)
    name, title = esc(dataset.name), esc_attr(dataset.name)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">{HTML_SIGNATURE}<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>{PAGE_STYLE_INDEX}</head>
<body><h1>{name}</h1>
<p>{esc(dataset.meta.get("source"))}</p>
<ul><li><a href="{animated_href}" id="animated-link"><b>Animated map of the whole period</b></a></li>{extra}</ul>
<p>{len(dataset.places)} places, {len(dataset.events)} events, {len(changes)} control changes,
{start:%Y-%m-%d} to {end:%Y-%m-%d}. Each day's map shows control at the end of that day.</p>
<table><thead><tr><th>Day</th><th>Control changes</th><th>Events</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table></body></html>
"""
