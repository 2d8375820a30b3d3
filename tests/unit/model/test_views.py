"""The model page's figures, drawn as the notebook draws them (one PNG draw each)."""

from __future__ import annotations

import warnings

import pytest
from tiny_dataset import MODEL

from es_pipeline.model import views
from es_pipeline.model.stage import run
from es_pipeline.notebook.display import png_in_one_draw

FIGURES = (views.roc_figure, views.precision_figure, views.calibration_figure, views.features_figure,
           views.monthly_figure)


@pytest.mark.parametrize("validation_months", [MODEL["validation_months"], 6], ids=["trained", "none_trained"])
def test_every_figure_draws_without_a_layout_warning(tiny, validation_months):
    """A warning lands in the executed notebook with the checkout's absolute path: pages differ per clone."""
    tiny.set_model({**MODEL, "validation_months": validation_months})
    base = tiny.root / "out"
    result = run(dataset=tiny.dataset, models_dir=base / "models", metrics_dir=base / "metrics",
                 plots_dir=base / "plots", params_dir=tiny.params)
    for draw in FIGURES:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert png_in_one_draw(draw(result))
