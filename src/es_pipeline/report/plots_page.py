"""The page ``dvc plots show/diff`` writes, made to draw offline.

DVC's default page loads vega, vega-lite and vega-embed from a CDN at view time, so with no
network every chart is blank. This writes a page template with those libraries inlined from
an installed package (``altair_viewer`` ships them; nothing is copied into the repository):
``.dvc/config`` names it as ``plots.html_template``; `make setup` and the demo write it
(git-ignored). The project's chart templates (``.dvc/plots/*.json``) use the vega-lite 4
grammar this library version reads.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

TEMPLATE = Path(".dvc/plots/offline.html")
LIBRARIES = ("vega", "vega-lite", "vega-embed")  # load order: vega-embed needs the other two

PAGE = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
{refresh_tag}
<title>es-pipeline plots</title>
%s
<style>
body { font-family: sans-serif; }
table { border-spacing: 15px; }
</style>
</head>
<body>
{plot_divs}
</body>
</html>
"""


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def library_scripts() -> list[str]:
    """The newest shipped version of each library, as inline ``<script>`` elements."""
    folder = resources.files("altair_viewer") / "scripts"
    listing = json.loads((folder / "listing.json").read_text())
    scripts = []
    for name in LIBRARIES:
        version = max(listing[name], key=_version_key)
        source = (folder / f"{name}-{version}.js").read_text()
        if "</script" in source or "{plot_divs}" in source:
            raise ValueError(f"{name}-{version}.js cannot be inlined into a page template")
        scripts.append(f"<script>/* {name} {version} */\n{source}\n</script>")
    return scripts


def write_template(path: str | Path = TEMPLATE) -> Path:
    """Write the offline page template (DVC fills ``{plot_divs}``; no ``{scripts}``: no CDN)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PAGE % "\n".join(library_scripts()))
    return path
