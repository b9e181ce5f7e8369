"""What the library's public functions accept for a `dataset` argument: a Dataset, or a path opened by
jisrgeo.load. The top-level API sits above the library (tests/test_layers.py holds the order), so the
loader is looked up when a path is actually given, not imported."""

import importlib


def as_dataset(dataset):
    """A Dataset from a Dataset, a path (folder, .gpkg or parquet export) or None (the default dataset)."""
    if dataset is not None and hasattr(dataset, "place") and hasattr(dataset, "places"):
        return dataset
    return importlib.import_module("jisrgeo").as_dataset(dataset)
