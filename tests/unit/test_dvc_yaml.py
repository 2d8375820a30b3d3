"""dvc.yaml's src folders cover exactly the code each stage runs: no missing dep, no unused one.

The import closure is read statically (every ``es_pipeline`` import in a module, function
level included) from each stage's entry point: its notebook's imports, or its CLI runner.
Per-month steps declare theirs on their ``code-<step>`` stage, whose fingerprint they depend on.
Stages depend on folders (a step's own, ``core/``, ``notebook/``), so a new module in a step needs
no dvc.yaml edit; where a folder would rerun too much, files are listed and that is tested here.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
import yaml

from es_pipeline.ops import pipelines

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
PACKAGE = SRC / "es_pipeline"
DVC = yaml.safe_load((ROOT / "dvc.yaml").read_text())
PER_MONTH = yaml.safe_load((ROOT / "pipelines" / "per-month.yaml").read_text())  # each year's file is this
STAGES = {**DVC["stages"], **PER_MONTH["stages"]}
SRC_VAR = next(v for v in DVC["vars"] if isinstance(v, dict))["src"]


def module_file(name: str) -> Path | None:
    base = SRC / name.replace(".", "/")
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def imported_modules(source: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("es_pipeline")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("es_pipeline"):
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names if module_file(f"{node.module}.{a.name}")}
    return found


def closure(entry: set[str]) -> set[Path]:
    seen: set[Path] = set()
    todo = [module_file(m) for m in entry]
    while todo:
        path = todo.pop()
        if path is None or path in seen:
            continue
        seen.add(path)
        todo += [module_file(m) for m in imported_modules(path.read_text())]
    return {path for path in seen if not docstring_only(path)}


def docstring_only(path: Path) -> bool:
    """A package's ``__init__.py`` holding only its docstring runs no code a stage depends on."""
    body = ast.parse(path.read_text()).body
    return path.name == "__init__.py" and all(isinstance(node, ast.Expr) for node in body)


def notebook_imports(name: str) -> set[str]:
    cells = json.loads((ROOT / "notebooks" / name).read_text())["cells"]
    return imported_modules("\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code"))


def declared(stage: dict) -> set[Path]:
    body = stage.get("do", stage)
    return {ROOT / d.replace("${src}", SRC_VAR) for d in body["deps"] if d.startswith("${src}")}


def covered(path: Path, deps: set[Path]) -> bool:
    return any(path == d or d in path.parents for d in deps)


FINGERPRINTED = ("filter", "label", "featurize", "dataset")
RUNNER = {"es_pipeline.notebook.run"}  # `es-pipeline notebook` executes the notebook and writes its page
ENTRIES = {
    "filter": notebook_imports("filter.ipynb") | RUNNER,
    "label": notebook_imports("label.ipynb") | RUNNER,
    "featurize": notebook_imports("featurize.ipynb") | RUNNER,
    "dataset": {"es_pipeline.dataset.stage"},
    "decay": {"es_pipeline.dataset.decay"},
    "report": notebook_imports("report.ipynb") | RUNNER,
    "site": {"es_pipeline.report.site"},
    "model": notebook_imports("model.ipynb") | RUNNER,
}
CODE_STAGES = (*FINGERPRINTED, "model")  # steps whose code and params reach their stages through code-<step>


def code_stage(step: str) -> tuple[dict, set[str]]:
    """The stage declaring the step's code, and that code's entry points."""
    if step in CODE_STAGES:
        return STAGES[f"code-{step}"], ENTRIES[step] | {"es_pipeline.ops.fingerprint"}
    return STAGES[step], ENTRIES[step]


@pytest.mark.parametrize("stage", sorted(ENTRIES))
def test_stage_deps_are_exactly_its_import_closure(stage):
    body, entry = code_stage(stage)
    used = closure(entry)
    deps = declared(body)
    assert used, f"{stage}: no es_pipeline imports found"
    missing = sorted(str(p.relative_to(ROOT)) for p in used if not covered(p, deps))
    extra = sorted(str(d.relative_to(ROOT)) for d in deps if not any(covered(p, {d}) for p in used))
    assert not missing, f"{stage}: dvc.yaml misses deps {missing}"
    assert not extra, f"{stage}: dvc.yaml declares unused deps {extra}"


@pytest.mark.parametrize("step", FINGERPRINTED)
def test_each_month_reads_its_steps_code_and_params_through_one_fingerprint(step):
    code, month = STAGES[f"code-{step}"], STAGES[step]["do"]
    fingerprint = f"data/fingerprints/{step}.json"
    assert code["cmd"] == f"es-pipeline fingerprint code-{step} --out {fingerprint} --params-dir params"
    assert [fingerprint] == [next(iter(o)) for o in code["outs"]]
    assert fingerprint in month["deps"] and "params" not in month
    assert not [d for d in month["deps"] if d.startswith(("${src}", "notebooks/", "params/"))]
    if step != "dataset":
        assert code["params"] and f"notebooks/{step}.ipynb" in code["deps"]


def test_the_model_reads_its_code_and_params_through_one_fingerprint():
    code, model = STAGES["code-model"], STAGES["model"]
    assert "data/fingerprints/model.json" in model["deps"] and "params" not in model
    assert not [d for d in model["deps"] if d.startswith(("${src}", "notebooks/", "params/model"))]
    assert {"params/model.yaml": ["model"]} in code["params"] and "notebooks/model.ipynb" in code["deps"]
    assert "es-pipeline notebook notebooks/model.ipynb reports/model.ipynb --html reports/model.html" in model["cmd"]
    assert [next(iter(m)) for m in model["metrics"]] == ["metrics/model.json"]


def test_notebook_stages_run_their_own_notebook_and_write_its_page():
    for stage in ("filter", "label", "featurize"):
        body = STAGES[stage]["do"]
        assert (f"es-pipeline notebook notebooks/{stage}.ipynb reports/{stage}/${{key}}.ipynb "
                f"--html reports/{stage}/${{key}}.html") in body["cmd"]
        assert {f"reports/{stage}/${{key}}.ipynb", f"reports/{stage}/${{key}}.html"} <= {
            o for o in body["outs"] if isinstance(o, str)}
    report = STAGES["report"]
    assert "nbconvert" not in report["cmd"] and "reports/report.html" in report["outs"]


def test_a_changed_read_time_decay_reruns_no_dataset_partition():
    deps = declared(STAGES["code-dataset"])
    for module in ("decay.py", "params.py"):
        assert not covered(PACKAGE / "dataset" / module, deps), f"code-dataset must not depend on dataset/{module}"
    assert covered(PACKAGE / "dataset" / "decay.py", declared(STAGES["decay"]))


@pytest.mark.parametrize("step", ("filter", "label", "featurize"))
def test_a_steps_code_is_one_folder_and_no_other_steps(step):
    folder = {"featurize": "features"}.get(step, step)
    deps = declared(STAGES[f"code-{step}"])
    assert PACKAGE / folder in deps
    others = {"filter", "label", "features", "dataset", "report", "ops"} - {folder}
    assert not [d for d in deps if d.relative_to(PACKAGE).parts[0] in others and d.name != "fingerprint.py"]


def test_lock_files_hold_only_stages_of_their_pipeline_file():
    """A stale entry is what `es-pipeline months prune` acts on: an old single `dataset` stage, whose output
    was all of data/dataset, once made it offer to delete every partition. The committed locks have none."""
    months = yaml.safe_load((ROOT / "params" / "months.yaml").read_text())["months"]
    for lock in pipelines.lock_files(ROOT):
        defined = yaml.safe_load(lock.with_name("dvc.yaml").read_text())
        listed = next((v["months"] for v in defined.get("vars", []) if isinstance(v, dict) and "months" in v), {})
        names = {f"{name}@{month}" if "foreach" in body else name
                 for name, body in defined["stages"].items() for month in (listed if "foreach" in body else [None])}
        assert sorted(set(yaml.safe_load(lock.read_text())["stages"]) - names) == [], lock
    assert {pipelines.year_file(m) for m in months} == {
        str(p.relative_to(ROOT)) for p in ROOT.glob("pipelines/*/dvc.yaml")}


def test_per_month_stages_are_in_the_year_files_and_the_rest_in_dvc_yaml():
    assert set(PER_MONTH["stages"]) == set(FINGERPRINTED)
    assert all("foreach" in body and body["do"]["wdir"] == "../.." for body in PER_MONTH["stages"].values())
    assert not [name for name, body in DVC["stages"].items() if "foreach" in body or "matrix" in body]
    pipelines.check(ROOT)  # the committed year files are what the template and the month list make
