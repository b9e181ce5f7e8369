"""The package's version: one declaration, read by pyproject.toml and the load cache's key."""

__version__ = "0.1.0"
