"""The README's questions, answered through the public API, as a notebook would ask them.

Run it from anywhere: python examples/quickstart.py [OUTPUT_FOLDER]
(it writes a PNG, an HTML map and a GeoPackage into OUTPUT_FOLDER, default ./quickstart-output).
"""

import sys
from pathlib import Path

import jisrgeo

out = Path(sys.argv[1] if len(sys.argv) > 1 else "quickstart-output")
out.mkdir(exist_ok=True)

ds = jisrgeo.load()  # the bundled battle (or $JISRGEO_DATA)
print(ds)
first, last = ds.period
print(f"period: {first:%Y-%m-%d} to {last:%Y-%m-%d}; sides: {', '.join(s.label for s in ds.sides.values())}")

# Who held the hospital at the end of 10 May, and since when?
state = ds.control("2015-05-10")
hospital = state.loc["national_hospital"]
print(f"10 May: {hospital['name']} held by {hospital['controller']} ({hospital['status']}, "
      f"challenged by {hospital['challenger']}) since {hospital['since']:%d %B}")

# Who held what, side by side: places per side on that day.
print(state.groupby("controller").size().rename("places").to_string())

# What changed hands in May?
may = ds.changes("2015-05-01", "2015-05-31")
print(f"{len(may)} control changes in May:")
for change in may.itertuples():
    print(f"  {change.effective:%d %b}  {change.name}: {change.controller} ({change.status})")

# The same month as a dataset of its own: every table cut to it.
window = ds.window("2015-05", "2015-05")  # a month: from its first day to its last
assert len(window.changes()) == len(may)

# One place over time.
print(ds.history("hospital")[["effective", "controller", "status"]].to_string(index=False))

# How far is Ariha from the hospital, and in which direction?
d = jisrgeo.distance("hospital", "Ariha")
print(f"{d.origin} -> {d.destination}: {d.km:.1f} km, bearing {d.bearing_deg:.0f} deg ({d.compass})")

# What lay within 10 km of the besieged hospital on 9 May, and who held it?
near = ds.within("hospital", 10_000, date="2015-05-09")
print(near[["name", "distance_m", "controller", "status"]].to_string(index=False))

# How much ground did each side hold (estimated areas), and where were the fronts?
print(ds.area_by_day("2015-04-25", "2015-04-25").round(1).to_string())
print(f"front lines on 25 April: {ds.front_lines('2015-04-25')['length_km'].sum():.1f} km")

# Casualties by side, summed over dated incidents (as `jisrgeo casualties`: massacre allegations apart;
# allegations=True adds them in, allegations="only" sums them alone).
print(jisrgeo.claims.casualty_totals(ds).to_string(index=False))

# Do the source's distances and directions agree with the map?
claims = jisrgeo.claims.check_claims(ds)
print(f"{(claims['verdict'] == 'agrees').sum()} of {len(claims)} geographic claims agree")

# A picture of the day, and the interactive map, and a GeoPackage for QGIS.
ax = ds.plot("2015-04-25")
ax.figure.savefig(out / "2015-04-25.png", dpi=100)
ds.explore("2015-05-22").save(str(out / "2015-05-22.html"))
ds.to_gpkg(out / "battle.gpkg", replace=True)
print(f"wrote {', '.join(sorted(p.name for p in out.iterdir()))} into {out}")
