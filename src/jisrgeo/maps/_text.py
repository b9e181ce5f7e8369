"""Data text made fit for display: control characters replaced, very long text cut."""

import re

# C0/C1 control characters (tab and newline aside) have no business on a page or a picture.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
MAX_TEXT = 2000


def missing(value: object) -> bool:
    """True for the ways a table says "nothing here" (None, NaN, NaT, pd.NA): shown as no text, never "nan"."""
    try:
        return value is None or bool(value != value)
    except (TypeError, ValueError):  # pd.NA, arrays
        return value is None or str(value) in ("<NA>", "NaT")


def display_text(value: object, limit: int = MAX_TEXT) -> str:
    text = CONTROL_CHARS.sub("\ufffd", "" if missing(value) else str(value))
    if len(text) > limit:
        text = f"{text[:limit]}… ({len(text) - limit:,} more characters in the data)"
    return text
