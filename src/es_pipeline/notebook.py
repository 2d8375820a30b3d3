"""Run a stage notebook with papermill and save it twice: a byte-stable .ipynb and a self-contained HTML page.

One process per stage does both (papermill's Python API executes the notebook with its
``parameters`` cell, nbconvert's HTMLExporter renders the page in process): at 185 months,
every second of per-stage overhead costs about nine minutes of ``dvc repro``.

Same inputs give the same bytes: papermill's start/end times and durations are dropped, and the
defaults cell is removed so the injected parameters are the only visible ones. The page hides
code, loads nothing from the network and embeds its images. A failed run still writes both
files (with the traceback) and then raises.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

# jsonschema imports rfc3987_syntax (1.4 s building a grammar) only to check IRI formats,
# which notebook validation never uses: skipping it saves that on every stage.
sys.modules.setdefault("rfc3987_syntax", None)

import nbformat  # noqa: E402
import papermill  # noqa: E402
from jinja2 import DictLoader  # noqa: E402
from nbconvert import HTMLExporter  # noqa: E402

from es_pipeline.errors import PipelineError  # noqa: E402
from es_pipeline.files import atomic_path  # noqa: E402
from es_pipeline.logs import STAGE_LOG_ENV, log  # noqa: E402
from es_pipeline.warmkernel import forked_peak_mb  # noqa: E402

VOLATILE = ("start_time", "end_time", "duration")
ADDED_BY_PAPERMILL = ("injected-parameters", "papermill-error-cell-tag")  # cells created with random ids
# the lab page without its CDN scripts (require.js, MathJax, mermaid): every page opens offline
PAGE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block extra_css %}<style>
body { max-width: 1300px; margin: 0 auto; }
.es-nav { font: 14px sans-serif; padding: 8px 16px; }
.jp-RenderedHTMLCommon table { font-variant-numeric: tabular-nums; }
</style>{% endblock extra_css %}
{%- block body_header -%}
{{ super() }}<nav class="es-nav"><a href="{{ resources.index_href }}">&larr; all months (index)</a></nav>
{%- endblock body_header -%}
"""


def stable(nb: nbformat.NotebookNode, output_path: str) -> nbformat.NotebookNode:
    """Drop what differs between two runs of the same inputs, and the defaults cell (None placeholders)."""
    meta = nb.metadata.get("papermill", {})
    for key in VOLATILE:
        meta.pop(key, None)
    meta["output_path"] = output_path
    nb.cells = [c for c in nb.cells if "parameters" not in c.metadata.get("tags", [])]
    for number, cell in enumerate(nb.cells):
        tag = next((t for t in cell.metadata.get("tags", []) if t in ADDED_BY_PAPERMILL), None)
        if tag is not None:
            cell.id = f"{tag}-{number}"
        cell.metadata.pop("execution", None)
        for key in VOLATILE:
            cell.metadata.get("papermill", {}).pop(key, None)
    return nb


def page(nb: nbformat.NotebookNode, title: str, index_href: str) -> str:
    """The executed notebook as one offline HTML page: outputs and text only, images embedded."""
    exporter = HTMLExporter(template_name="lab", extra_loaders=[DictLoader({"page.html.j2": PAGE_TEMPLATE})],
                            template_file="page.html.j2", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, embed_images=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}, "index_href": index_href})
    return body


def _write(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def peak_rss_mb() -> float:
    """This process's, its kernel's (child or forked from the zygote) and any other child's peak RSS."""
    own, children = (resource.getrusage(who).ru_maxrss / 1024 for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return max(own, children, forked_peak_mb())


def run(notebook: str, output: str, html: str, parameters: dict[str, str], kernel: str = "es-pipeline",
        cwd: str = ".") -> None:
    """Execute ``notebook`` into ``output`` (.ipynb) and ``html``; if a cell failed, raise after writing both."""
    out, page_path = Path(output), Path(html)
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    os.environ[STAGE_LOG_ENV] = "1"  # the kernel's timestamped stage log goes to this command's stderr
    failure: Exception | None = None
    executing = out.with_name(f".{out.stem}.executing.ipynb")
    try:
        try:
            papermill.execute_notebook(
                notebook, str(executing), parameters=parameters, kernel_name=kernel, cwd=cwd,
                progress_bar=False, request_save_on_cell_execute=False, record_timing=False,
                extra_arguments=["--IPKernelApp.capture_fd_output=False"])
        except papermill.PapermillExecutionError as exc:
            failure = exc
        nb = stable(nbformat.read(executing, as_version=4), str(out))
    finally:
        executing.unlink(missing_ok=True)
    executed = time.perf_counter()
    _write(out, nbformat.writes(nb) + "\n")
    index = os.path.relpath(Path(cwd) / "reports" / "index.html", page_path.parent)
    _write(page_path, page(nb, f"{Path(notebook).stem} {parameters.get('month', '')}".strip(), index))
    log.info("%s -> %s + %s: executed in %.1f s, saved in %.1f s, peak RSS %.0f MB%s", notebook, out, page_path,
             executed - started, time.perf_counter() - executed, peak_rss_mb(), " (FAILED)" if failure else "")
    if failure is not None:
        raise PipelineError(f"{out}: cell [{failure.exec_count}] raised {failure.ename}: {failure.evalue} "
                            f"(traceback in {out} and {page_path})") from failure
