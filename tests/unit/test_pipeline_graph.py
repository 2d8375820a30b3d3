"""The pipeline graph page is read from the real dvc.yaml: each stage once, after the stages it reads from."""

from __future__ import annotations

from pathlib import Path

from es_pipeline import pipeline_graph

DVC_YAML = Path(__file__).resolve().parents[2] / "dvc.yaml"


def test_edges_and_columns_follow_the_data():
    stages = pipeline_graph.read(DVC_YAML)
    after = pipeline_graph.edges(stages)
    assert after["filter"] == [] and after["label"] == ["filter"] and after["featurize"] == ["filter"]
    assert set(after["dataset"]) == {"filter", "label", "featurize"}
    assert "dataset" in after["report"] and "decay" in after["report"]
    depth = pipeline_graph.depths(after)
    assert depth["filter"] == 0 and depth["label"] == depth["featurize"] == 1 and depth["dataset"] == 2
    per_month = {s.name for s in stages if s.per_month}
    assert per_month == {"filter", "label", "featurize", "dataset"}
    filter_stage = next(s for s in stages if s.name == "filter")
    assert "reports/filter/<M>.html" in filter_stage.outs


def test_page_draws_each_stage_once_offline():
    page = pipeline_graph.render(pipeline_graph.read(DVC_YAML), months=185)
    assert page.count('class="stage"') == len(pipeline_graph.read(DVC_YAML))
    assert "per month ×185" in page and "<script" not in page
