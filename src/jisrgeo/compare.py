"""Reconcile two datasets' events: pairs that agree in place and time, and what each has alone.

Two events match when they lie within `within_m` metres of each other (geodesic) and their days
(a range counts as all its days) come within `days` days. A toll summed over a period (aggregate)
is not one event: it is never matched, and stays in its dataset's own list. Each event joins at
most one pair: the closest in time first, then the more precisely dated (a month-long range matches
anything in its month, so it yields to a dated event), then the nearer. Killed figures are shown side by side, per side, as each
dataset states them; nothing is merged or chosen.
"""

from typing import Any

import numpy as np
import pandas as pd

from .claims import killed_figures
from .loader import as_dataset
from .geodesy import GEOD

COLUMNS = ["event_id", "date", "date_end", "type", "place_id", "claimant"]


def _killed(ds):
    """Best killed figure per event and side ('government: 12; civilian: 3'), and the event total."""
    per = killed_figures(ds).groupby(["event_id", "side"])["best"].sum(min_count=1).dropna()
    text = per.groupby(level=0).apply(lambda s: "; ".join(f"{side}: {int(v)}" for (_, side), v in s.items()))
    return text, per.groupby(level=0).sum()


def _table(ds):
    events = ds.events
    text, total = _killed(ds)
    table = pd.DataFrame({c: events[c] for c in COLUMNS})
    table["lon"], table["lat"] = events.geometry.x.to_numpy(), events.geometry.y.to_numpy()
    table["killed"] = events["event_id"].map(text)
    table["killed_total"] = events["event_id"].map(total)
    table["aggregate"] = events["aggregate"].to_numpy()
    return table


def compare(a: Any, b: Any, within_m: float | str = 5000, days: int = 1) -> dict[str, pd.DataFrame]:
    """{'matched': pairs (columns suffixed _a and _b, with distance_m and days_apart),
    'only_a': events of `a` without a match, 'only_b': events of `b` without one}. a, b: Datasets or paths;
    within_m: metres, or a text with its unit ('5km')."""
    from .query import metres as as_metres  # `metres` is a local name below

    within_m = as_metres(within_m, "within_m")
    a, b = as_dataset(a), as_dataset(b)
    ta, tb = _table(a), _table(b)
    first_a, last_a = ta["date"].to_numpy(), ta["date_end"].fillna(ta["date"]).to_numpy()
    first_b, last_b = tb["date"].to_numpy(), tb["date_end"].fillna(tb["date"]).to_numpy()
    order = np.argsort(first_b)
    window = np.timedelta64(days, "D")
    candidates = []
    for i in np.flatnonzero(~ta["aggregate"].to_numpy()):
        # Events of b that start no later than a's last day + window (b sorted by start), then the rest of the test.
        upto = np.searchsorted(first_b[order], last_a[i] + window, side="right")
        js = order[:upto]
        js = js[(last_b[js] >= first_a[i] - window) & ~tb["aggregate"].to_numpy()[js]]
        if not len(js):
            continue
        metres = GEOD.inv(np.full(len(js), ta["lon"].iat[i]), np.full(len(js), ta["lat"].iat[i]),
                          tb["lon"].to_numpy()[js], tb["lat"].to_numpy()[js])[2]
        gap = np.maximum(first_b[js] - last_a[i], first_a[i] - last_b[js]).astype("timedelta64[D]").astype(int)
        gap = np.maximum(gap, 0)
        spread = ((last_b[js] - first_b[js]) + (last_a[i] - first_a[i])).astype("timedelta64[D]").astype(int)
        for j, m, g, w in zip(js, metres, gap, spread):
            if m <= within_m:
                candidates.append((int(g), int(w), float(m), int(i), int(j)))
    used_a, used_b, pairs = set(), set(), []
    for gap, _, metres, row_a, row_b in sorted(candidates):
        if row_a in used_a or row_b in used_b:
            continue
        used_a.add(row_a)
        used_b.add(row_b)
        pairs.append((row_a, row_b, round(metres, 1), gap))
    matched = pd.concat([ta.iloc[[i for i, _, _, _ in pairs]].reset_index(drop=True).add_suffix("_a"),
                         tb.iloc[[j for _, j, _, _ in pairs]].reset_index(drop=True).add_suffix("_b")], axis=1)
    matched["distance_m"] = [m for _, _, m, _ in pairs]
    matched["days_apart"] = [g for _, _, _, g in pairs]
    return {"matched": matched,
            "only_a": ta[~ta.index.isin(used_a)].reset_index(drop=True),
            "only_b": tb[~tb.index.isin(used_b)].reset_index(drop=True)}


def rival_claims(ours: Any, imported: Any) -> dict[str, str]:
    """{imported event id: incident of the event of `ours` that compare() pairs it with}: what an import
    --into links as a rival claim of the same incident (the event's own id where it has no incident)."""
    pairs = compare(ours, imported)["matched"]
    incidents = ours.events.set_index("event_id")["incident"]
    return {b: (incidents.get(a) if isinstance(incidents.get(a), str) and incidents.get(a) else a)
            for a, b in zip(pairs["event_id_a"], pairs["event_id_b"])}
