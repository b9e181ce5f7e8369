"""The frame of a dataset's maps (no mapping library needed)."""

# A dataset with no places yet (a new one from `jisrgeo init`) and no map_extent: the whole world.
WORLD = (-170.0, -60.0, 170.0, 75.0)


def map_extent(dataset):
    """(lon_min, lat_min, lon_max, lat_max) to frame: the dataset's `map_extent`, else its places."""
    if dataset.meta.get("map_extent"):
        return tuple(dataset.meta["map_extent"])
    if dataset.places.empty:
        return WORLD
    x0, y0, x1, y1 = dataset.places.total_bounds
    pad_x, pad_y = max((x1 - x0) * 0.05, 0.02), max((y1 - y0) * 0.05, 0.02)
    return (x0 - pad_x, y0 - pad_y, x1 + pad_x, y1 + pad_y)
