"""The names and marks of what jisrgeo writes: plain constants, no OS imports.

The map and export modules import their signatures from here, so importing them needs nothing of the
operating system's (no fcntl, no ctypes): jisrgeo imports everywhere Python runs (issue 32).
"""

MANIFEST = ".jisrgeo-manifest.json"
GENERATOR = "jisrgeo"
# Temporary folders carry this mark file, so a later run can tell them from a user's folders.
PARTIAL_MARK = ".jisrgeo-partial"
TMP_SUFFIX = ".jisrgeo-tmp"
OLD_SUFFIX = ".jisrgeo-old"
LOCK_SUFFIX = ".jisrgeo-lock"
# A build's private staging folder in TMPDIR is named STAGING_PREFIX + random + TMP_SUFFIX and holds this
# lock file, locked by its run for the whole run: a later run removes only folders whose lock it can take.
STAGING_PREFIX = "jisrgeo-"
STAGING_LOCK = ".jisrgeo-staging-lock"
# A manifest lists one line per file: 16 MB is some 150,000 files, twenty times a decade built day by day.
# A larger one is refused by its size before a byte of it is parsed.
MANIFEST_MAX_BYTES = 16 << 20
# What a file we wrote starts with (or holds), per suffix: how a single-file output is recognised.
HTML_SIGNATURE = '<meta name="generator" content="jisrgeo">'
QGS_SIGNATURE = "<!-- written by jisrgeo -->"
PNG_SOFTWARE = "jisrgeo"
# PDF and SVG maps name us as their creator (matplotlib metadata): in the info dictionary near a PDF's
# end, in the metadata at an SVG's head.
PDF_SIGNATURE = f"/Creator ({GENERATOR})".encode()
SVG_SIGNATURE = f"<dc:title>{GENERATOR}</dc:title>".encode()
