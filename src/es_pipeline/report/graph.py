"""The pipeline's stage graph read from ``dvc.yaml`` and the per-month template, drawn as an offline HTML page.

``dvc dag`` draws one node per stage and month (555 at 185 months); this page draws each
stage once (per-month stages marked), in columns by depth, each listing what it reads and writes.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

TEMPLATE_VAR = re.compile(r"\$\{(key|item\.[a-z_]+)\}")


@dataclass(frozen=True)
class Stage:
    name: str
    per_month: bool
    deps: tuple[str, ...]
    outs: tuple[str, ...]
    reads_code: bool = False  # depends on src modules, notebooks or params itself (code-<step> stages)


def _paths(entries: list[str | dict[str, object]] | None) -> tuple[str, ...]:
    """Paths of a deps/outs/metrics/plots list (entries are strings or one-key mappings)."""
    found: list[str] = []
    for entry in entries or []:
        found += [entry] if isinstance(entry, str) else list(entry)
    return tuple(TEMPLATE_VAR.sub("<M>", p) for p in found)


def stages(dvc_yaml: dict, src: str = "src/es_pipeline") -> list[Stage]:
    """Each stage of dvc.yaml once; per-month paths use <M>; code deps (src/, notebooks/) left out."""
    result = []
    for name, body in dvc_yaml["stages"].items():
        do = body.get("do", body)
        all_deps = _paths(do.get("deps"))
        deps = tuple(d for d in all_deps if not d.startswith(("${src}", src, "notebooks/")))
        outs = _paths(do.get("outs")) + _paths(do.get("metrics")) + _paths(do.get("plots"))
        reads_code = len(deps) < len(all_deps) or bool(do.get("params"))
        result.append(Stage(name, "foreach" in body or "matrix" in body, deps, outs, reads_code))
    return result


def _feeds(out: str, dep: str) -> bool:
    return out == dep or out.startswith(dep.rstrip("/") + "/")


def edges(all_stages: list[Stage]) -> dict[str, list[str]]:
    """stage -> the stages whose outputs it reads."""
    return {s.name: [o.name for o in all_stages if o is not s
                     and any(_feeds(out, dep) for out in o.outs for dep in s.deps)] for s in all_stages}


def depths(after: dict[str, list[str]]) -> dict[str, int]:
    """Longest path from a source: the column a stage is drawn in."""
    memo: dict[str, int] = {}

    def depth(name: str) -> int:
        if name not in memo:
            memo[name] = 1 + max((depth(p) for p in after[name]), default=-1)
        return memo[name]

    return {name: depth(name) for name in after}


def render(all_stages: list[Stage], months: int) -> str:
    after = edges(all_stages)
    level = depths(after)
    columns = []
    for d in range(max(level.values(), default=-1) + 1):
        boxes = []
        for s in (s for s in all_stages if level[s.name] == d):
            reads = ", ".join(after[s.name]
                              + ["raw months (remote://raw)"] * any(dep.startswith("remote://") for dep in s.deps)
                              + ["code and params"] * s.reads_code)
            boxes.append(
                f'<div class="stage" id="{s.name}"><b>{s.name}</b>'
                + (f' <span class="pm">per month ×{months}</span>' if s.per_month else "")
                + f"<div>reads: {html.escape(reads)}</div><ul>"
                + "".join(f"<li>{html.escape(o)}</li>" for o in s.outs) + "</ul></div>")
        columns.append('<div class="col">' + "".join(boxes) + "</div>")
    arrow = '<div class="arrow">→</div>'
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>es-pipeline: pipeline graph</title><style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 16px 24px; }}
.graph {{ display: flex; align-items: center; gap: 8px; }} .col {{ display: flex; flex-direction: column; gap: 12px; }}
.stage {{ border: 1px solid #888; border-radius: 6px; padding: 6px 10px; background: #f7f9fc; }}
.stage ul {{ margin: 4px 0 0; padding-left: 18px; color: #444; font-size: 12px; }}
.pm {{ color: #06c; font-size: 12px; }} .arrow {{ font-size: 28px; color: #888; }}
</style></head><body>
<nav><a href="index.html">&larr; all months (index)</a></nav>
<h1>Pipeline graph (dvc.yaml, pipelines/per-month.yaml)</h1>
<p>Each stage once; &lt;M&gt; is a month. Same graph as <code>dvc dag</code>, without one node per month.</p>
<div class="graph">{arrow.join(columns)}</div>
</body></html>
"""


def read(*pipeline_files: str | Path) -> list[Stage]:
    """The stages of every file given: dvc.yaml and the per-month template (each year's file is that, per year)."""
    return [stage for path in pipeline_files for stage in stages(yaml.safe_load(Path(path).read_text()))]
