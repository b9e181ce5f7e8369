"""Maps: one per day, an animated one, the index page and static maps (PNG, PDF, SVG).

folium and matplotlib are imported only in this package, never by a query.
"""

from ._base import INLINE, to_html, vendored_files
from ._places import PLACES_JS, payload_js
from .animation import animated_map
from .day import day_map
from .index import index_page
from .static import key_days_png, day_png, day_static

__all__ = ["day_map", "animated_map", "index_page", "key_days_png", "day_png", "day_static",
           # what the site builder (jisrgeo.build) and the CLI's map command write pages with
           "INLINE", "to_html", "vendored_files", "PLACES_JS", "payload_js"]
