"""Exports for QGIS and other tools: GeoPackage (styled, temporal), RFC 7946 GeoJSON, CSV.

Every layer is flat and typed; list fields (refs, aliases) are joined with ';'.
"""

from .layers import export_layers
from .writers import to_csv, to_geojson, to_gpkg, write_csv, write_geojson, write_gpkg

FORMATS = ("gpkg", "geojson", "csv")

__all__ = ["export_layers", "to_gpkg", "to_geojson", "to_csv", "write_gpkg", "write_geojson", "write_csv", "FORMATS"]
