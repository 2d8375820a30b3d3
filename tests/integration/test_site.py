"""The report site after a real ``dvc repro``: offline pages, byte-stable notebooks, nbval, pulling pages only.

Two months of two trading days each in a temporary copy of the repository; the tests share
one reproduced project and run in order on one worker.
"""

from __future__ import annotations

import shutil
import sys

import nbformat
import pytest

from tests.integration.project import Project

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("site")]
MONTHS = ("2025-11", "2025-12")
PAGES = ("filter", "label", "featurize")
STDERR_BLOCK = '[data-mime-type="application/vnd.jupyter.stderr"]'
PULL_PAGES = "dvc ls -R --dvc-only . reports | sed 's|^|reports/|' | xargs dvc pull"  # as in the README


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Project:
    return Project.reproduced(tmp_path_factory.mktemp("site"), MONTHS, days=2, commit=True)


def test_index_and_one_months_pages_render_offline(project, browser):
    reports = project.root / "reports"
    index = browser.open(reports / "index.html")
    index.assert_clean()
    assert index.page.locator("tr.month").count() == len(MONTHS)
    linked = index.page.eval_on_selector_all("tr#m2025-12 a", "as => as.map(a => a.getAttribute('href'))")
    assert linked == [f"{stage}/2025-12.html" for stage in PAGES]
    for page in [reports / stage / "2025-12.html" for stage in PAGES] + [reports / "report.html",
                                                                         reports / "pipeline.html"]:
        report = browser.open(page)
        report.assert_clean()
        assert report.page.locator(STDERR_BLOCK).count() == 0, f"{page}: stderr block shown"
        assert report.page.locator(".jp-CodeCell .jp-InputArea").count() == 0, f"{page}: code shown"
        if page.name != "pipeline.html":
            assert report.page.locator("img").count() > 0, f"{page}: no figure"
        assert "Traceback" not in report.page.content()


def test_executed_notebook_shows_one_parameter_set_and_no_times(project):
    nb = nbformat.read(project.root / "reports" / "label" / "2025-11.ipynb", as_version=4)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert sum("injected-parameters" in t for t in tags) == 1 and not any("parameters" in t for t in tags)
    text = nbformat.writes(nb)
    assert "start_time" not in text and "duration" not in text and "iopub" not in text
    streams = [o["text"] for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "stream"]
    assert streams and all(o.startswith(("INFO", "WARNING")) for o in streams)  # plain log, no clock times
    assert not any(o.get("name") == "stderr" for c in nb.cells for o in c.get("outputs", []))


@pytest.mark.parametrize("stage", ["pipelines/2025/dvc.yaml:filter@2025-11", "pipelines/2025/dvc.yaml:label@2025-11",
                                   "pipelines/2025/dvc.yaml:featurize@2025-12", "report", "site"])
def test_forced_rerun_of_a_stage_changes_nothing(project, stage):
    lock = project.lock_bytes()
    pages = project.snapshot("reports/**/*.html", "reports/**/*.ipynb")
    project.dvc("repro", "-f", "-s", stage)
    assert project.lock_bytes() == lock
    assert project.snapshot("reports/**/*.html", "reports/**/*.ipynb") == pages
    assert project.git("status", "--porcelain").stdout == ""


def nbval(project: Project, notebook: str) -> str:
    result = project.run(sys.executable, "-m", "pytest", "--nbval", "-p", "no:cacheprovider", "-q", notebook,
                         check=False)
    return f"{result.returncode}\n{result.stdout}"


def test_nbval_reproduces_a_versioned_executed_notebook(project):
    # nbval runs the kernel in the notebook's folder; the stage ran it from the project root
    shutil.copy(project.root / "reports" / "label" / "2025-11.ipynb", project.root / "label-2025-11.ipynb")
    assert nbval(project, "label-2025-11.ipynb").startswith("0\n")
    nb = nbformat.read(project.root / "label-2025-11.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.get("outputs") and c.outputs[0].get("output_type") == "stream")
    cell.outputs[0]["text"] = cell.outputs[0]["text"].replace("rows", "lines", 1)
    nbformat.write(nb, project.root / "label-2025-11.ipynb")
    assert not nbval(project, "label-2025-11.ipynb").startswith("0\n")  # a changed output is caught


def test_pull_fetches_every_page_without_the_data(project):
    project.dvc("push")
    shutil.rmtree(project.root / ".dvc" / "cache")
    for path in ("reports", "data"):
        shutil.rmtree(project.root / path)
    project.git("checkout", "--", "reports")  # the .gitignore files, as in a fresh clone
    project.run("sh", "-c", PULL_PAGES)
    pages = sorted(p.relative_to(project.root).as_posix() for p in (project.root / "reports").rglob("*.htm*"))
    assert pages == sorted(["reports/index.html", "reports/pipeline.html", "reports/report.html", "reports/model.html"]
                           + [f"reports/{s}/{m}.html" for s in PAGES for m in MONTHS])
    assert all((project.root / "reports" / s / f"{m}.ipynb").exists() for s in PAGES for m in MONTHS)
    assert not (project.root / "data").exists()
