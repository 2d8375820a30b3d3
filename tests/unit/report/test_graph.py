"""The pipeline graph page is read from the real dvc.yaml and per-month template: each stage once, after the stages
it reads from."""

from __future__ import annotations

from pathlib import Path

from es_pipeline.report import graph as pipeline_graph

ROOT = Path(__file__).resolve().parents[3]
PIPELINE_FILES = (ROOT / "dvc.yaml", ROOT / "pipelines" / "per-month.yaml")


def test_edges_and_columns_follow_the_data():
    stages = pipeline_graph.read(*PIPELINE_FILES)
    after = pipeline_graph.edges(stages)
    assert after["filter"] == ["code-filter"] and after["code-filter"] == []
    assert after["label"] == ["code-label", "filter"] and after["featurize"] == ["code-featurize", "filter"]
    assert set(after["dataset"]) == {"code-dataset", "filter", "label", "featurize"}
    assert "dataset" in after["report"] and "decay" in after["report"]
    assert set(after["model"]) == {"code-model", "dataset", "decay"}
    depth = pipeline_graph.depths(after)
    assert depth["code-filter"] == depth["code-label"] == 0 and depth["filter"] == 1
    assert depth["label"] == depth["featurize"] == 2 and depth["dataset"] == 3
    per_month = {s.name for s in stages if s.per_month}
    assert per_month == {"filter", "label", "featurize", "dataset"}
    by_name = {s.name: s for s in stages}
    assert "reports/filter/<M>.html" in by_name["filter"].outs
    assert by_name["code-filter"].reads_code and not by_name["filter"].reads_code


def test_page_draws_each_stage_once_offline():
    page = pipeline_graph.render(pipeline_graph.read(*PIPELINE_FILES), months=185)
    assert page.count('class="stage"') == len(pipeline_graph.read(*PIPELINE_FILES))
    assert "per month ×185" in page and "<script" not in page
    assert ("<b>filter</b> <span class=\"pm\">per month ×185</span>"
            "<div>reads: code-filter, raw months (remote://raw)") in page
    assert "<b>code-filter</b><div>reads: code and params</div>" in page
