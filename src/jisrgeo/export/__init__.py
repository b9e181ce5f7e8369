"""Exports for QGIS and other tools: GeoPackage (styled, temporal), RFC 7946 GeoJSON, CSV, GeoParquet.

Every layer is flat and typed; list fields (refs, aliases) are joined with ';'.
"""

from .layers import export_layers
from .writers import to_acled, to_csv, to_geojson, to_gpkg, to_parquet, to_ucdp, write_csv, write_geojson, write_gpkg, write_parquet

FORMATS = ("gpkg", "geojson", "csv", "parquet", "acled", "ucdp")

__all__ = ["export_layers", "to_gpkg", "to_geojson", "to_csv", "write_gpkg", "write_geojson", "write_csv", "to_parquet", "write_parquet", "to_acled", "to_ucdp", "FORMATS"]
