"""Model stage runner: the dataset -> one booster per mode, its validation scores, the headline metrics.

Order of work keeps memory to the sampled rows: training rows are read and quantised, the float
copy is dropped, then early-stopping and validation rows are read. Outputs: ``models/<mode>.ubj``
(XGBoost's own format; none for a mode that could not be trained), ``metrics/model.json`` (the
headline, a DVC metric), ``metrics/model_modes.json`` (every number per mode and validation
month) and ``plots/model_months.csv`` (validation scores month by month, for ``dvc plots``).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from es_pipeline.core.files import atomic_path
from es_pipeline.core.logs import log, timed
from es_pipeline.core.stage import write_metrics
from es_pipeline.model.evaluate import ModeResult, headline, validation_scores
from es_pipeline.model.params import ModelParams, load
from es_pipeline.model.rows import Rows, Split, read_rows, split_months
from es_pipeline.model.train import Matrices, fit_mode, predict, top_features


@dataclass(frozen=True)
class ModelResult:
    params: ModelParams
    split: Split
    results: list[ModeResult]
    validation: Rows | None  # the validation rows (labels and outcomes for the page's curves)
    summary: dict  # metrics/model.json


def train_and_score(dataset: str | Path, model: ModelParams, models_dir: str | Path) -> ModelResult:
    """Fit every mode on the training months, save its booster, score it on the validation months."""
    split = split_months(model.month_names, model)
    modes = [m.name for m in model.label.modes]
    if split.reason is not None:
        log.warning("no model trained: %s", split.reason)
        untrained = [ModeResult(mode, split.reason, False, {}) for mode in model.label.modes]
        return ModelResult(model, split, untrained, None, headline(untrained))
    with timed(f"read training rows of {len(split.train)} month(s)"):
        train = read_rows(str(dataset), split.train, modes, model.row_stride, outcomes=False)
        stop = read_rows(str(dataset), split.early_stopping, modes, model.row_stride, outcomes=False) \
            if split.early_stopping else None
    with timed("quantised the training rows"):
        matrices = Matrices(train, stop, model.booster)
    counts = {"train": len(train), "early_stopping": 0 if stop is None else len(stop)}
    del train, stop  # the float features: the matrices hold them quantised
    with timed(f"read validation rows of {len(split.validation)} month(s)"):
        validation = read_rows(str(dataset), split.validation, modes, model.row_stride, outcomes=True)
    counts["validation"] = len(validation)
    log.info("rows: %s training, %s early stopping, %s validation (every %d s of each session)",
             *(f"{counts[k]:,}" for k in ("train", "early_stopping", "validation")), model.row_stride)
    results = []
    for column, mode in enumerate(model.label.modes):
        with timed(f"trained {mode.name}"):
            fitted = fit_mode(matrices, column, model.booster)
        if fitted.booster is None:
            log.warning("%s: not trained: %s", mode.name, fitted.reason)
            results.append(ModeResult(mode, fitted.reason, False, counts))
            continue
        with atomic_path(Path(models_dir) / f"{mode.name}.ubj") as tmp:
            tmp.write_bytes(fitted.booster.save_raw("ubj"))
        prob = predict(fitted.booster, validation.features, model.booster.threads)
        overall, by_month, reason = validation_scores(validation, column, prob, mode, model.top_share)
        results.append(ModeResult(mode, reason, True, counts, fitted.best_iteration, fitted.rounds_run,
                                  overall, by_month, top_features(fitted.booster), prob))
        log.info("%s: %d round(s) (best %d), validation AUC %s", mode.name, fitted.rounds_run,
                 fitted.best_iteration, "n/a" if overall.auc is None else f"{overall.auc:.4f}")
    return ModelResult(model, split, results, validation, headline(results))


def month_table(results: list[ModeResult]) -> pd.DataFrame:
    """Validation scores per month and mode, long (one line per mode in ``dvc plots``)."""
    rows = [{"month": month, "mode": r.mode.name, **s.as_dict()} for r in results for month, s in r.by_month.items()]
    columns = ["month", "mode", "rows", "wins", "base_win_rate", "auc", "log_loss", "top_win_rate",
               "expectancy_ticks", "top_expectancy_ticks"]
    return pd.DataFrame(rows, columns=columns)


def write_outputs(result: ModelResult, metrics_dir: str | Path, plots_dir: str | Path) -> None:
    metrics_dir = Path(metrics_dir)
    write_metrics(result.summary, metrics_dir / "model.json")
    write_metrics({"split": {"train": list(result.split.train), "early_stopping": list(result.split.early_stopping),
                             "validation": list(result.split.validation), "reason": result.split.reason},
                   "modes": {r.mode.name: r.as_dict() for r in result.results}}, metrics_dir / "model_modes.json")
    with atomic_path(Path(plots_dir) / "model_months.csv") as tmp:
        month_table(result.results).to_csv(tmp, index=False, float_format="%.6f")


def run(*, dataset: str | Path = "data/dataset", models_dir: str | Path = "models", metrics_dir: str | Path = "metrics",
        plots_dir: str | Path = "plots", params_dir: str | Path = "params") -> ModelResult:
    model = load(params_dir)
    shutil.rmtree(models_dir, ignore_errors=True)  # a mode that is no longer trained leaves no stale booster
    Path(models_dir).mkdir(parents=True)
    with timed(f"model over {len(model.months)} month(s)"):
        result = train_and_score(dataset, model, models_dir)
        write_outputs(result, metrics_dir, plots_dir)
    return result
