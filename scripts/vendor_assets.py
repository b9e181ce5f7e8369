"""Copy the JavaScript and CSS the maps need (Leaflet and Font Awesome; the pages' own jisrgeo.js/.css live
beside the Python code) from pinned npm packages into the package (maps/vendor/).

    (cd tests/browser && npm ci) && python scripts/vendor_assets.py

The versions are pinned in tests/browser/package-lock.json. Each package's licence file is copied
beside its files. jisrgeo build then copies these files into the output's vendor/ folder, and the
pages load them from there: they work from a disk with no network.
"""

import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULES = ROOT / "tests" / "browser" / "node_modules"
TARGET = ROOT / "src" / "jisrgeo" / "maps" / "vendor"
# CDN URL folium writes -> (npm package, file inside it, where it goes under vendor/)
ASSETS = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": ("leaflet", "dist/leaflet.js", "leaflet/leaflet.js"),
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": ("leaflet", "dist/leaflet.css", "leaflet/leaflet.css"),
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css":
        ("@fortawesome/fontawesome-free", "css/all.min.css", "fontawesome/css/all.min.css"),
}
# Files the CSS above loads by relative path.
EXTRA = [("leaflet", "dist/images", "leaflet/images"),
         *[("@fortawesome/fontawesome-free", f"webfonts/fa-{w}.woff2", f"fontawesome/webfonts/fa-{w}.woff2")
           for w in ("solid-900", "regular-400", "brands-400", "v4compatibility")]]
LICENCES = {"leaflet": "LICENSE", "@fortawesome/fontawesome-free": "LICENSE.txt"}


def copy(package, source, target):
    src, dst = MODULES / package / source, TARGET / target
    dst.parent.mkdir(parents=True, exist_ok=True)
    if src.is_dir():
        shutil.copytree(src, dst, dirs_exist_ok=True)
    else:
        shutil.copyfile(src, dst)


def main():
    if TARGET.exists():
        shutil.rmtree(TARGET)
    for package, source, target in [*ASSETS.values(), *EXTRA]:
        copy(package, source, target)
    versions = {}
    for package, licence in LICENCES.items():
        folder = ASSETS_FOLDER[package]
        copy(package, licence, f"{folder}/{licence}")
        versions[package] = json.loads((MODULES / package / "package.json").read_text())["version"]
    mapping = {url: target for url, (_, _, target) in ASSETS.items()}
    (TARGET / "assets.json").write_text(json.dumps({"versions": versions, "files": mapping}, indent=1) + "\n")
    print(f"vendored {len(mapping)} assets ({', '.join(f'{k} {v}' for k, v in versions.items())}) into {TARGET}")


ASSETS_FOLDER = {"leaflet": "leaflet", "@fortawesome/fontawesome-free": "fontawesome"}

if __name__ == "__main__":
    main()
