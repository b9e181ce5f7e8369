"""The HTML templates of popups and the index page (maps/templates/), rendered by Jinja2 with autoescape.

Data reaches a template only as variables, never as template source; `bdi` shows a data text escaped,
made fit for display and isolated in <bdi> (see _base.esc), `text` the same without <bdi> (a <title>), `shown` says whether a value has text.
"""

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from ._base import esc
from ._text import display_text, missing

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).parent / "templates"


@functools.cache
def environment() -> "Environment":
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      keep_trailing_newline=False)
    env.filters["bdi"] = lambda value: Markup(esc(value))
    env.filters["text"] = display_text  # for <title> and attributes: no <bdi> there
    env.filters["shown"] = lambda value: not missing(value) and str(value) != ""
    return env


def render(template: str, **variables: Any) -> str:
    """A template of maps/templates/ filled with `variables` (escaped unless a filter says otherwise)."""
    return environment().get_template(template).render(**variables).strip()
