"""Write docs/format.md, the dataset format reference, from the declarations in src/jisrgeo/schema.py."""

from pathlib import Path

from jisrgeo.schema import markdown

if __name__ == "__main__":
    target = Path(__file__).resolve().parents[1] / "docs" / "format.md"
    target.write_text(markdown(), encoding="utf-8")
    print(f"wrote {target}")
