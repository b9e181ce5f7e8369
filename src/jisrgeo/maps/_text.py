"""Data text made fit for display: control characters replaced, very long text cut."""

import re

# C0/C1 control characters (tab and newline aside) have no business on a page or a picture.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
MAX_TEXT = 2000


def display_text(value, limit=MAX_TEXT):
    text = CONTROL_CHARS.sub("\ufffd", "" if value is None else str(value))
    if len(text) > limit:
        text = f"{text[:limit]}… ({len(text) - limit:,} more characters in the data)"
    return text
