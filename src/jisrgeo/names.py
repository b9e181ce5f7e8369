"""Alias normalisation: one key per spelling, whatever the accents, case or article."""

import difflib
import re
import unicodedata
from collections.abc import Iterable

# Arabic short vowels, shadda, sukun and tatweel carry no identity for lookups.
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي"})
# Transliterated Arabic articles (al-, el-, ash-, as-, ...) and the Arabic one.
_ARTICLE = re.compile(r"\b(?:a[lsnrtdz]|e[lsnrtdz]|ad|az|ash|esh|ath)[- ]")
_ARABIC_ARTICLE = re.compile(r"(?:^| )ال")


def normalize(name: object) -> str:
    """Fold a place name to a lookup key: lower case, no accents, no articles, no punctuation."""
    text = str(name)
    if not text.isascii():  # plain ASCII has no accents or Arabic marks to fold
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
        text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_FOLD)
    text = text.lower()
    text = text.replace("’", "'").replace("'", "")
    text = _ARTICLE.sub(" ", " " + text)
    text = _ARABIC_ARTICLE.sub(" ", text)
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())


def suggest(name: object, keys: Iterable[str], n: int = 3) -> list[str]:
    """The closest known spellings, for an error message."""
    return difflib.get_close_matches(normalize(name), keys, n=n, cutoff=0.5)


# Transliterations write the ayn and hamza as a backtick (Ma`arratmisrin); a reader sees an apostrophe.
_DISPLAY = str.maketrans({"`": "\u2019"})


def display_name(name: object) -> str:
    """A name as drawn or printed for a reader: the typographic apostrophe ’ for a transliteration's
    backtick (Ma`arratmisrin -> Ma’arratmisrin). Lookups still fold both to the same key."""
    return str(name).translate(_DISPLAY)
