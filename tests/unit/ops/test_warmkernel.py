"""Kernels forked from the warm zygote give the same notebook as cold kernels, and the zygote steps aside when it must.

Each test isolates its own zygote with a private PYTHONPATH folder (PYTHON* variables key the zygote),
and that folder's ``sitecustomize.py`` is a module the zygote imported: editing it must retire the zygote.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from es_pipeline.core.logs import STAGE_LOG_ENV
from es_pipeline.notebook import run as notebook
from es_pipeline.ops import warmkernel

KERNEL = "es-pipeline"
CELLS = [
    "month = None",  # the parameters cell
    "import sys, os\nprint('pandas' in sys.modules, os.environ['WARM_TEST_MARK'], os.getcwd())",
    "from es_pipeline.core.logs import setup_logging, log\nsetup_logging(notebook=True)\n"
    "log.info('stage log %s', month)",
    "import pandas as pd\nfrom es_pipeline.notebook.display import Table\n"
    "Table(pd.DataFrame({'rows': [1234567, 89]}), formats={'rows': '{:,}'})",
    "import matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(3, 2))\nax.plot([1, 3, 2])\nplt.show()",
]


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """A project folder, a notebook, and an environment whose zygote no other test shares."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text("# imported at interpreter start, so the zygote watches it\n")
    monkeypatch.setenv("PYTHONPATH", str(site))
    monkeypatch.setenv("WARM_TEST_MARK", "mark-1")
    monkeypatch.delenv(warmkernel.WARM_ENV, raising=False)
    nb = new_notebook(cells=[new_code_cell(source) for source in CELLS])
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": KERNEL, "language": "python"}
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, path)
    monkeypatch.setenv(STAGE_LOG_ENV, "1")  # the runner sets it; restored after the test
    yield tmp_path, path
    address = _address()
    _retire(address)
    _wait_for(lambda: not address.exists(), "the zygote to leave")
    for leftover in (address.with_suffix(".lock"), address.with_suffix(".log")):
        leftover.unlink(missing_ok=True)


def _kernel_interpreter() -> list[str]:
    from jupyter_client.kernelspec import KernelSpecManager

    argv = KernelSpecManager().get_kernel_spec(KERNEL).argv
    return argv[: argv.index("-m")]


def _address() -> Path:
    return warmkernel._address(_kernel_interpreter(), dict(os.environ))


def _wait_for(condition, what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.1)


def _zygote_pid(address: Path) -> int:
    return int(address.with_suffix(".lock").read_text())


def _retire(address: Path) -> None:
    if address.exists() and _pid_alive(_zygote_pid(address)):
        os.kill(_zygote_pid(address), signal.SIGTERM)


def _run(folder: Path, source: Path, name: str) -> tuple[list, bytes]:
    out = folder / f"{name}.ipynb"
    notebook.run(str(source), str(out), str(folder / f"{name}.html"), {"month": "2025-11"}, KERNEL, cwd=str(folder))
    nb = nbformat.read(out, as_version=4)
    return [cell.outputs for cell in nb.cells], out.read_bytes()


def _first_line(outputs: list) -> list[str]:
    return outputs[1][0]["text"].split()


def test_a_forked_kernel_writes_the_same_notebook_as_a_cold_one(isolated):
    folder, source = isolated
    cold_outputs, cold_bytes = _run(folder, source, "run")  # no zygote yet: cold, and one starts
    assert _first_line(cold_outputs) == ["False", "mark-1", str(folder)]
    _wait_for(_address().exists, "the zygote's socket")
    warm_outputs, warm_bytes = _run(folder, source, "run")
    assert _first_line(warm_outputs) == ["True", "mark-1", str(folder)]  # pandas was already imported
    assert warm_outputs[2:] == cold_outputs[2:]
    assert any("image/png" in output.get("data", {}) for output in warm_outputs[4])
    assert warm_bytes.replace(b"True mark-1", b"False mark-1") == cold_bytes


def test_the_requester_environment_and_folder_win(isolated, tmp_path, monkeypatch):
    folder, source = isolated
    _run(folder, source, "first")
    _wait_for(_address().exists, "the zygote's socket")
    other = tmp_path / "elsewhere"
    other.mkdir()
    monkeypatch.setenv("WARM_TEST_MARK", "mark-2")  # not import-relevant: same zygote, new value
    outputs, _ = _run(other, source, "second")
    assert _first_line(outputs) == ["True", "mark-2", str(other)]


def test_switched_off_it_always_starts_cold(isolated, monkeypatch):
    folder, source = isolated
    monkeypatch.setenv(warmkernel.WARM_ENV, "0")
    for name in ("first", "second"):
        outputs, _ = _run(folder, source, name)
        assert _first_line(outputs)[0] == "False"
    assert not _address().exists()


def test_an_edited_module_retires_the_zygote(isolated):
    folder, source = isolated
    _run(folder, source, "first")
    address = _address()
    _wait_for(address.exists, "the zygote's socket")
    zygote = _zygote_pid(address)
    (Path(os.environ["PYTHONPATH"]) / "sitecustomize.py").write_text("# edited: a kernel must import this afresh\n")
    outputs, _ = _run(folder, source, "second")
    assert _first_line(outputs)[0] == "False"  # refused as stale, so the kernel started cold
    _wait_for(lambda: not _pid_alive(zygote), "the stale zygote to exit")
    _wait_for(address.exists, "a fresh zygote")
    outputs, _ = _run(folder, source, "third")
    assert _first_line(outputs)[0] == "True"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/status").read_text().find("State:\tZ") < 0


def test_a_forked_kernel_dies_with_its_requester(isolated):
    folder, source = isolated
    _run(folder, source, "first")
    _wait_for(_address().exists, "the zygote's socket")
    requester = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\nfrom jupyter_client.connect import write_connection_file\n"
         "from es_pipeline.ops.warmkernel import request_kernel\n"
         "conn, _ = write_connection_file()\n"
         f"cmd = {_kernel_interpreter()!r} + ['-m', 'ipykernel_launcher', '-f', conn]\n"
         "print(request_kernel(cmd, dict(__import__('os').environ), '.'), flush=True)\ntime.sleep(600)"],
        stdout=subprocess.PIPE, text=True)
    kernel = int(requester.stdout.readline())
    assert _pid_alive(kernel)
    requester.kill()
    requester.wait()
    _wait_for(lambda: not _pid_alive(kernel), "the orphaned kernel to exit", seconds=30)


def test_peak_memory_of_a_forked_kernel_is_reported(isolated, caplog):
    folder, source = isolated
    _run(folder, source, "first")
    _wait_for(_address().exists, "the zygote's socket")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="es_pipeline"):
        _run(folder, source, "second")
    peaks = [float(m[1]) for m in (re.search(r"\(forked warm\): peak RSS (\d+) MB", r.getMessage())
                                   for r in caplog.records) if m]
    assert len(peaks) == 1
    assert peaks[0] > 100  # pandas, matplotlib and the pipeline are resident in the kernel
