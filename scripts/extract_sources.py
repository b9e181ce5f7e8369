"""Compile geodata/sources.csv from the seed article's numbered references.

Run once from the repository root (the seed lives outside the package):

    python scripts/extract_sources.py ../shared/seed/*.txt

Only bibliographic facts are kept: number, publisher (the outlet), agency (the wire
service whose dispatch it carries, where the reference names one), title, language, date.
The seed's reference list carries no publication dates, so `date` is left
empty unless the title itself states one.
"""

import csv
from datetime import date as date_cls, timedelta
import re
import sys
from pathlib import Path

# Publishers whose names appear in many spellings in the references.
PUBLISHERS = [
    ("Syrian Observatory", "Syrian Observatory for Human Rights"),
    ("OSDH", "Syrian Observatory for Human Rights"),
    ("L'Orient-Le Jour", "L'Orient-Le Jour"),
    ("OLJ", "L'Orient-Le Jour"),
    ("Le Point", "Le Point"),
    ("romandie.com", "Romandie"),
    ("L'Express", "L'Express"),
    ("ladepeche.fr", "La Dépêche"),
    ("Le Monde", "Le Monde"),
    ("Boursorama", "Boursorama"),
    ("Challenges", "Challenges"),
    ("Long War Journal", "FDD's Long War Journal"),
    ("Historicoblog", "Historicoblog"),
    ("Hasan Mustafa", "Hasan Mustafa"),
    ("RFI", "RFI"),
    ("L'Obs", "L'Obs"),
    ("Le Figaro", "Le Figaro"),
    ("Al-Masdar", "Al-Masdar News"),
    ("AP NEWS", "AP"),
    ("France Soir", "France Soir"),
    ("Twitter", "Twitter (Wassim Nasr)"),
    ("Reuters", "Reuters"),
    ("archive.fo", "archive.fo"),
]
REF_LINE = re.compile(r"^\s*(\d+)\.\s+(?:[a-z](?: [a-z])*(?: et [a-z])?\s+)?(.*)$")
TITLE = re.compile(r"«\s*(.+)\s*»")
LANG = re.compile(r"\((en|ar|en-US|fr)\)")
ARABIC = re.compile(r"[\u0600-\u06FF]")
TITLE_DATE = re.compile(r"(\d{2})/(\d{2})/(\d{4})")


def publisher(text):
    for key, name in PUBLISHERS:
        if key in text:
            return name
    return "AFP" if text.startswith("AFP") else ""


def agency(text, outlet):
    """The wire agency a reference names as its author ("AFP, « ... », Le Point"; "OLJ avec AFP"), if not the outlet."""
    for wire in ("AFP", "Reuters"):
        if (text.startswith(wire) or f"avec {wire}" in text) and outlet != wire:
            return wire
    return ""


def language(text, title):
    found = LANG.search(text)
    if found:
        return found.group(1).split("-")[0]
    if ARABIC.search(title):
        return "ar"
    french = re.search(r"\b(les|des|le|la|du|de|pour|au|soldats|rebelles|Syrie)\b|[dlq]'|[éèà]", title, re.I)
    return "fr" if french else "en"


def parse(seed_text):
    refs = seed_text.split("Notes et références", 1)[1]
    for line in refs.splitlines():
        match = REF_LINE.match(line)
        if not match:
            continue
        number, body = int(match.group(1)), match.group(2)
        title_match = TITLE.search(body)
        title = title_match.group(1).strip(" ”\"\u00a0") if title_match else ""
        date = TITLE_DATE.search(title)
        if date:
            day = date_cls(int(date.group(3)), int(date.group(2)), int(date.group(1)))
            # "killed yesterday DD/MM" is a report published the next day
            day += timedelta(days=1) if "yesterday" in title else timedelta(0)
        outlet = publisher(body)
        yield {
            "ref": number,
            "publisher": outlet,
            "agency": agency(body, outlet),
            "title": title,
            "language": language(body, title),
            # a title that names a day ("killed yesterday 22/05/2015") dates its report
            "date": day.isoformat() if date else "",
        }


def main(paths):
    text = "".join(Path(p).read_text(encoding="utf-8") for p in paths)
    rows = sorted(parse(text), key=lambda r: r["ref"])
    out = Path("geodata/sources.csv")
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} references to {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
