"""Commands about the format itself: schema."""

import json

import click

from .. import schema
from ._common import data_option, echo, handle_errors


@click.command("schema")
@click.argument("file", type=click.Choice(schema.LAYERS))
@data_option
@click.option("--open", "open_", is_flag=True,
              help="Vocabulary fields accept any code (the format in general), not just the dataset's own.")
@handle_errors
def schema_(file: str, data_path: str | None, open_: bool) -> None:
    """Print the JSON Schema (2020-12) of one file of a dataset folder.

    \b
    FILE: dataset (dataset.json), places, events, routes, sources, forces, claims.
    Sides, kinds and types are those of the dataset (--data, default: the bundled one),
    so the schema validates that dataset's files exactly; --open gives the general format.
    The full reference, generated from the same declarations: docs/format.md.

    \b
    Python: jisrgeo.schema.json_schema("places", ds.vocabulary.lists())
    """
    vocabularies = None if open_ else _vocabularies(data_path)
    echo(json.dumps(schema.json_schema(file, vocabularies), ensure_ascii=False, indent=2))


def _vocabularies(data_path):
    """The dataset's vocabularies, read from its dataset.json and places (a broken dataset gives the open format)."""
    from ..loader import default_path
    from ..errors import DataError
    from ..io import read_tables
    from ..rules import used_sides
    from ..sides import Vocabulary

    path = default_path(data_path)
    if path is not None and str(path).lower().endswith(".gpkg"):
        from .. import load

        return load(path).vocabulary.lists()
    try:
        tables = read_tables(path)
    except DataError:
        return None
    return Vocabulary(tables["meta"], used_sides(tables)).lists()


COMMANDS = [schema_]
