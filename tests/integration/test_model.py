"""The model stage through real DVC: three generated months of two trading days, one of each role.

2025-10 trains, 2025-11 stops early, 2025-12 validates (params/model.yaml adjusted in the copy).
The tests share one reproduced project and run in order on one worker.
"""

from __future__ import annotations

import json

import pytest
import yaml

from tests.integration.project import Project

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("model")]
MONTHS = ("2025-10", "2025-11", "2025-12")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Project:
    project = Project.copy_of_repo(tmp_path_factory.mktemp("model"))
    for month in MONTHS:
        project.generate(month, days=2)
    project.es("months", "sync")
    model = project.root / "params" / "model.yaml"
    settings = yaml.safe_load(model.read_text())
    settings["model"].update(validation_months=1, early_stopping_months=1)
    model.write_text(yaml.safe_dump(settings, sort_keys=False))
    project.dvc("repro")
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "reproduced")
    return project


def test_each_mode_has_a_booster_and_validation_scores(project):
    modes = project.read_json("metrics/model_modes.json")
    assert modes["split"]["train"] == ["2025-10"] and modes["split"]["validation"] == ["2025-12"]
    trained = [m for m, found in modes["modes"].items() if found["trained"]]
    assert sorted(p.name for p in (project.root / "models").iterdir()) == sorted(f"{m}.ubj" for m in trained)
    assert len(trained) == 6
    headline = project.read_json("metrics/model.json")["model"]
    assert headline["modes"] == sum(found["validation"]["auc"] is not None for found in modes["modes"].values())
    shown = json.loads(project.dvc("metrics", "show", "--json").stdout)
    assert "metrics/model.json" in json.dumps(shown)


def test_the_model_page_renders_offline_and_the_index_links_it(project, browser):
    reports = project.root / "reports"
    page = browser.open(reports / "model.html")
    page.assert_clean()
    assert page.page.locator(".jp-CodeCell .jp-InputArea").count() == 0, "code shown"
    assert page.page.locator("img").count() >= 5  # ROC, precision, calibration, features, month by month
    assert "Traceback" not in page.page.content()
    index = browser.open(reports / "index.html")
    index.assert_clean()
    assert index.page.locator('nav a[href="model.html"]').count() == 1


def test_forced_rerun_of_the_model_changes_nothing(project):
    lock = project.lock_bytes()
    before = project.snapshot("models/*", "metrics/model*.json", "plots/model_months.csv", "reports/model.*")
    project.dvc("repro", "-f", "-s", "model")
    assert project.lock_bytes() == lock
    assert project.snapshot("models/*", "metrics/model*.json", "plots/model_months.csv", "reports/model.*") == before
    assert project.git("status", "--porcelain").stdout == ""


def test_a_label_change_reruns_the_model_but_a_model_change_reruns_no_month(project):
    model = project.root / "params" / "model.yaml"
    model.write_text(model.read_text().replace("row_stride: 30", "row_stride: 20"))
    assert project.changed_stages() == {"code-model"}
    project.dvc("repro")
    assert project.read_json("metrics/model_modes.json")["modes"]["low_vol_long"]["rows"]["train"] > 0
    project.git("checkout", "--", "params")
    project.dvc("repro")
    assert project.git("status", "--porcelain").stdout == ""
