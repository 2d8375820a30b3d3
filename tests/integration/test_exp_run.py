"""`es-pipeline exp run`: a parameter experiment on the Dask path that DVC records like its own.

One month of one trading day, committed; the tests share the project and run in order. The
experiment made through Dask must equal `dvc exp run` of the same change (data hashes, headline
metrics), be listed, applied and dropped by DVC's own commands, and show on the experiments page.
"""

from __future__ import annotations

import json

import pytest

from tests.integration.project import Project

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("exp_run")]
MONTH = "2025-12"
TIMEOUT_600 = "params/label.yaml:label.timeout_seconds=600"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Project:
    return Project.committed_month(tmp_path_factory.mktemp("exp_run"), MONTH)


def experiment_sha(project: Project, name: str) -> str:
    refs = project.git("for-each-ref", "--format=%(refname) %(objectname)", "refs/exps").stdout.split("\n")
    return next(line.split()[1] for line in refs if line and line.split()[0].endswith(f"/{name}"))


def go_back(project: Project) -> None:
    """The README's way back to the committed state."""
    project.git("checkout", "HEAD", "--", "params", "dvc.lock", "pipelines", "metrics", "plots")
    project.dvc("checkout", "-q")


def test_an_experiment_through_dask_is_recorded_as_dvc_records_its_own(project):
    before = project.data_hashes("HEAD")
    result = project.es("exp", "run", "-n", "fast", "-S", TIMEOUT_600, "--jobs", "1")
    assert "experiment fast saved" in result.stdout
    assert "timeout_seconds: 600" in (project.root / "params" / "label.yaml").read_text()  # left applied
    fast = project.data_hashes(experiment_sha(project, "fast"))
    assert fast[f"data/labels/{MONTH}.parquet"] != before[f"data/labels/{MONTH}.parquet"]
    assert fast[f"data/filtered/{MONTH}.parquet"] == before[f"data/filtered/{MONTH}.parquet"]
    assert fast[f"data/features/{MONTH}.parquet"] == before[f"data/features/{MONTH}.parquet"]
    assert project.changed_stages() == set()

    go_back(project)
    assert project.changed_stages() == set()
    assert "timeout_seconds: 900" in (project.root / "params" / "label.yaml").read_text()
    project.dvc("exp", "run", "-n", "plain", "-S", TIMEOUT_600)
    assert project.data_hashes(experiment_sha(project, "plain")) == fast
    for name in ("params/label.yaml", "metrics/summary.json"):
        assert project.git("show", f"{experiment_sha(project, 'plain')}:{name}").stdout == \
            project.git("show", f"{experiment_sha(project, 'fast')}:{name}").stdout
    go_back(project)


def test_dvc_lists_applies_and_removes_it(project):
    shown = json.loads(project.dvc("exp", "show", "--json").stdout)
    names = {rev["name"] for baseline in shown for exp in baseline.get("experiments") or [] for rev in exp["revs"]}
    assert {"fast", "plain"} <= names
    assert "label.timeout_seconds" in project.dvc("params", "diff", "HEAD", "fast").stdout
    project.dvc("exp", "apply", "fast")
    assert "timeout_seconds: 600" in (project.root / "params" / "label.yaml").read_text()
    assert project.changed_stages() == set()
    go_back(project)
    assert project.changed_stages() == set()
    project.dvc("exp", "remove", "plain")
    assert "plain" not in project.dvc("exp", "list", "--name-only").stdout


def test_a_bad_override_fails_in_one_line_and_saves_nothing(project):
    result = project.es("exp", "run", "-n", "bad", "-S", "params/label.yaml:label.timeout_seconds=-5", "--jobs", "1",
                        check=False)
    assert result.returncode != 0
    assert "label.timeout_seconds must be an integer in [1, 86400]" in result.stderr
    assert "Traceback" not in result.stderr
    assert "bad" not in project.dvc("exp", "list", "--name-only").stdout
    go_back(project)


def test_a_sweep_runs_each_value_in_its_own_linked_copy_on_one_cluster(project):
    baseline = project.data_hashes("HEAD")
    sweep = "params/label.yaml:label.timeout_seconds=300,600"
    result = project.es("exp", "run", "-n", "sw", "-S", sweep, "--jobs", "2")
    assert "2 experiment(s) saved" in result.stdout
    assert "[sw-1] params/label.yaml:label.timeout_seconds=300" in result.stdout
    for label in ("sw-1", "sw-2"):  # the month's label and dataset stages only: filter and featurize reused
        assert f"[{label}] 2 stale per-month stage(s)" in result.stdout
    fast = project.data_hashes(experiment_sha(project, "fast"))
    assert project.data_hashes(experiment_sha(project, "sw-2")) == fast
    swept = project.data_hashes(experiment_sha(project, "sw-1"))
    labels = f"data/labels/{MONTH}.parquet"
    assert swept[labels] not in (baseline[labels], fast[labels])
    assert "timeout_seconds: 900" in (project.root / "params" / "label.yaml").read_text()  # workspace untouched
    assert project.changed_stages() == set()
    assert not any((project.root / ".dvc" / "tmp" / "es-pipeline-exps").glob("*"))  # copies removed
    assert project.git("worktree", "list").stdout.count("\n") == 1


def test_queued_experiments_run_together(project):
    project.es("exp", "run", "--queue", "-n", "q450", "-S", "params/label.yaml:label.timeout_seconds=450")
    queued = project.es("exp", "run", "--queue", "-n", "qstop", "-S",
                        "params/label.yaml:label.modes.low_vol_long.stop_ticks=7")
    assert "2 in all" in queued.stdout
    assert "experiment(s) saved: " in project.es("exp", "queue", "start", "--jobs", "2").stdout
    listed = project.dvc("exp", "list", "--name-only").stdout.split()
    assert {"q450", "qstop"} <= set(listed)
    assert "the queue is empty" in project.es("exp", "queue", "start", "--jobs", "1").stdout


def test_the_experiments_page_compares_them_offline(project, browser):
    project.es("exp", "report")
    page = browser.open(project.root / "reports" / "experiments.html")
    page.assert_clean()
    params = page.page.inner_text("#params")
    assert "label.timeout_seconds" in params and "900" in params and "600" in params
    assert "win.all" in page.page.inner_text("#metrics")
    assert page.page.eval_on_selector_all("#win-rate svg path", "ps => ps.length") > 20
    assert page.page.eval_on_selector_all("#metrics a", "as => as.length") >= 2  # the baseline's and fast's at least
