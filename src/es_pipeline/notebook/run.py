"""Run a stage notebook with papermill and save it twice: a byte-stable .ipynb and a self-contained HTML page.

One process per stage does both (papermill's Python API executes the notebook with its
``parameters`` cell, nbconvert's HTMLExporter renders the page in process): at 185 months,
every second of per-stage overhead costs about nine minutes of ``dvc repro``.

Same inputs give the same bytes: papermill's start/end times and durations are dropped, and the
defaults cell is removed so the injected parameters are the only visible ones. The page hides
code, loads nothing from the network and embeds its images. A failed run still writes both
files (with the traceback) and then raises.

Cold start is paid once per stage, so the runner keeps it short: the parameters are validated
first (a bad value fails in one line before papermill starts or any output is touched), papermill
is imported without its remote-storage backends, and the HTML exporter is built and warmed up
(templates compiled, CSS selectors parsed) in a thread while the kernel works. Once the last cell
has answered, the kernel is stopped at once: every output has arrived and every file is written,
and the polite shutdown (IPython's exit handlers, then polling until it is gone) cost ~0.25 s.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from traitlets.config import Config

from es_pipeline.core.errors import PipelineError
from es_pipeline.core.files import atomic_path
from es_pipeline.core.logs import STAGE_LOG_ENV, log
from es_pipeline.core.memory import peak_memory_mb
from es_pipeline.core.params import load_step

if TYPE_CHECKING:
    from nbconvert import HTMLExporter

# Optional imports of features the runner never uses (it reads and writes local files only):
# papermill's S3/Azure/GCS/HDFS/GitHub handlers (boto3, pyarrow) and jsonschema's IRI and
# duration format checkers (rfc3987_syntax alone spends 1.4 s building a grammar).
UNUSED_OPTIONAL = ("papermill.s3", "papermill.adl", "papermill.abs", "gcsfs", "pyarrow.fs", "github",
                   "rfc3987_syntax", "isoduration")


@contextmanager
def _hidden(names: tuple[str, ...]) -> Iterator[None]:
    """Make ``import name`` fail (ImportError) for modules not yet imported, for the block only."""
    hidden = [name for name in names if name not in sys.modules]
    sys.modules.update(dict.fromkeys(hidden))  # type: ignore[arg-type]  # a None entry fails the import
    try:
        yield
    finally:
        for name in hidden:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]


with _hidden(UNUSED_OPTIONAL):
    import nbformat
    import papermill

VOLATILE = ("start_time", "end_time", "duration")
ADDED_BY_PAPERMILL = ("injected-parameters", "papermill-error-cell-tag")  # cells created with random ids
WARM_UP_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC"  # 1x1 px
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


@cache
def _exporter() -> HTMLExporter:
    """One exporter per process: its templates compile and its page selectors parse on first use."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="lab", extra_loaders=[DictLoader({"page.html.j2": PAGE_TEMPLATE})],
                        template_file="page.html.j2", exclude_input=True, exclude_input_prompt=True,
                        exclude_output_prompt=True, embed_images=True)


_exporting = threading.Lock()  # the shared exporter renders one page at a time


def page(nb: nbformat.NotebookNode, title: str, index_href: str) -> str:
    """The executed notebook as one offline HTML page: outputs and text only, images embedded."""
    with _exporting:
        body, _ = _exporter().from_notebook_node(nb, resources={"metadata": {"name": title},
                                                                "index_href": index_href})
    return body


def _warm_up() -> None:
    """Render a small page with every kind of cell a stage shows, so the real page pays no first-use cost."""
    v4 = nbformat.v4
    sample = v4.new_notebook(cells=[v4.new_markdown_cell("# warm-up\n\n`code` and *text*"), v4.new_code_cell(
        "x", outputs=[v4.new_output("stream", name="stdout", text="INFO \x1b[1mx\x1b[0m\n"),
                      v4.new_output("display_data", data={"text/html": "<table><tr><td>1</td></tr></table>",
                                                          "text/plain": "1"}),
                      v4.new_output("execute_result", data={"image/png": WARM_UP_PNG, "text/plain": "<Figure>"},
                                    execution_count=1)])])
    page(sample, "warm-up", "index.html")


def _start_warm_up() -> Future[None]:
    """Warm the exporter up in a thread: while the kernel works, this process only waits."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="page-warm-up")
    try:
        return pool.submit(_warm_up)
    finally:
        pool.shutdown(wait=False)  # the thread ends once the warm-up is done


def _write(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def peak_rss_mb() -> float:
    """This process's peak RSS (since a Dask worker started this stage, see ``core.memory``) and its children's
    (a cold kernel's); a forked kernel's own line comes from the kernel provisioner (``es_pipeline.ops.warmkernel``)."""
    return max(peak_memory_mb(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)


# The stage log goes straight to the command's stderr; no IPython history: hundreds of kernels
# would queue on one sqlite file and write it again at every shutdown.
KERNEL_ARGUMENTS = ["--IPKernelApp.capture_fd_output=False", "--HistoryManager.enabled=False"]


def kernel_config(sockets: str) -> Config:
    """Kernel and runner talk over Unix sockets: no port opened, and no "Kernel is running over TCP
    without encryption" warning in every stage log, hiding the real ones. The sockets live in a folder
    of this run's own (``ip``): jupyter_client's default, ``kernel-ipc-<n>`` in the working folder, is
    shared by every stage of a project, and two kernels started at once took the same sockets."""
    return Config({"KernelManager": {"transport": "ipc", "ip": os.path.join(sockets, "kernel")}})


def run(notebook: str, output: str, html: str, parameters: dict[str, str], kernel: str = "es-pipeline",
        cwd: str = ".") -> None:
    """Execute ``notebook`` into ``output`` (.ipynb) and ``html``; if a cell failed, raise after writing both.

    A ``params_dir`` parameter is validated first (the keys of the notebook's step, as it will load
    them), so a bad value fails in one line before the kernel starts and before any output is touched.
    """
    if "params_dir" in parameters:
        load_step(Path(notebook).stem, Path(cwd) / parameters["params_dir"])
    out, page_path = Path(output), Path(html)
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    os.environ[STAGE_LOG_ENV] = "1"  # the kernel's timestamped stage log goes to this command's stderr
    failure: papermill.PapermillExecutionError | None = None
    executing = out.with_name(f".{out.stem}.executing.ipynb")
    warming = _start_warm_up()
    try:
        with tempfile.TemporaryDirectory(prefix="es-pipeline-kernel-") as sockets:
            try:
                papermill.execute_notebook(
                    notebook, str(executing), parameters=parameters, kernel_name=kernel, cwd=cwd,
                    progress_bar=False, request_save_on_cell_execute=False, record_timing=False,
                    extra_arguments=KERNEL_ARGUMENTS, config=kernel_config(sockets), shutdown_kernel="immediate")
            except papermill.PapermillExecutionError as exc:
                failure = exc
        nb = stable(nbformat.read(executing, as_version=4), str(out))
    finally:
        executing.unlink(missing_ok=True)
    executed = time.perf_counter()
    _write(out, nbformat.writes(nb) + "\n")
    warming.result()
    index = os.path.relpath(Path(cwd) / "reports" / "index.html", page_path.parent)
    _write(page_path, page(nb, f"{Path(notebook).stem} {parameters.get('month', '')}".strip(), index))
    log.info("%s -> %s + %s: executed in %.1f s, saved in %.1f s, peak RSS %.0f MB%s", notebook, out, page_path,
             executed - started, time.perf_counter() - executed, peak_rss_mb(), " (FAILED)" if failure else "")
    if failure is not None:
        raise PipelineError(f"{out}: cell [{failure.exec_count}] raised {failure.ename}: {failure.evalue} "
                            f"(traceback in {out} and {page_path})") from failure
