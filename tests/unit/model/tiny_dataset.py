"""A tiny hand-built dataset for the model step: a few months of two short sessions each.

Only the columns the model reads are written (session_date, the 43 features, label, outcome and
weight per mode, plus ts_event), so a test passing here also shows nothing else is read.
Winners are learnable from one feature, so a trained booster has real splits to compare.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from es_pipeline.core.params import MonthEntry
from es_pipeline.core.periods import hive_partition
from es_pipeline.dataset import params as dataset_params
from es_pipeline.dataset.decay import write_decay
from es_pipeline.features.frame import FEATURE_NAMES
from es_pipeline.label import params as label_params
from es_pipeline.ops.months import render

REPO_PARAMS = Path(__file__).resolve().parents[3] / "params"
MONTHS = ("2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06")
SESSION_SECONDS = 240
MODEL = {"validation_months": 2, "first_validation_month": None, "early_stopping_months": 1, "row_stride": 2,
         "top_share": 0.05, "booster": {"rounds": 30, "early_stopping_rounds": 5, "learning_rate": 0.3,
                                        "max_depth": 3, "min_child_weight": 1.0, "max_bin": 32, "threads": 1,
                                        "seed": 0}}


def month_frame(month: str, modes: list[str], seed: int, winners: dict[str, bool] | None = None) -> pd.DataFrame:
    """Two sessions of ``SESSION_SECONDS`` rows; ``winners[mode] = False`` makes a mode without winners."""
    rng = np.random.default_rng(seed)
    frames = []
    for day in ("06", "07"):
        start = pd.Timestamp(f"{month}-{day} 13:30", tz="UTC")
        ts = pd.date_range(start, periods=SESSION_SECONDS, freq="s").astype("datetime64[ns, UTC]")
        frames.append(pd.DataFrame({"ts_event": ts, "session_date": pd.Timestamp(f"{month}-{day}").date()}))
    frame = pd.concat(frames, ignore_index=True)
    n = len(frame)
    features = rng.normal(size=(n, len(FEATURE_NAMES)))
    for j, name in enumerate(FEATURE_NAMES):
        frame[name] = features[:, j]
    for k, mode in enumerate(modes):
        won = (features[:, k] + 0.7 * rng.normal(size=n)) > 0.9
        if winners is not None and not winners.get(mode, True):
            won[:] = False
        frame[f"label_{mode}"] = won.astype(np.int8)
        frame[f"outcome_{mode}"] = np.where(won, "win", np.where(rng.random(n) < 0.6, "stop", "timeout"))
        frame[f"weight_{mode}"] = np.where(won, rng.uniform(0.5, 2.0, n), 1.0)
    return frame


def write_month(dataset: Path, frame: pd.DataFrame, month: str) -> None:
    path = dataset / hive_partition(month) / "part-0.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, path)


class TinyProject:
    """params/ (the repo's, with the tiny month list and a quick model.yaml) and data/dataset/."""

    def __init__(self, root: Path, model: dict | None = None, months: tuple[str, ...] = MONTHS):
        self.root, self.months = root, months
        self.params = root / "params"
        shutil.copytree(REPO_PARAMS, self.params)
        names = {m: f"ES.FUT.{m}.ohlcv-1s.dbn.zst" for m in months}
        (self.params / "months.yaml").write_text(render({m: MonthEntry.of(m, n, n) for m, n in names.items()}))
        self.set_model(model or MODEL)
        self.dataset = root / "data" / "dataset"
        self.modes = [m.name for m in label_params.load(self.params).modes]
        for index, month in enumerate(months):
            write_month(self.dataset, month_frame(month, self.modes, seed=index), month)
        write_decay(list(months), dataset_params.load(self.params), self.dataset / "_decay.csv")

    def set_model(self, model: dict) -> None:
        (self.params / "model.yaml").write_text(yaml.safe_dump({"model": model}, sort_keys=False))

    def rewrite(self, month: str, **kwargs) -> None:
        """Replace a month's partition with other data (``seed``, ``winners``)."""
        kwargs.setdefault("seed", 1000 + self.months.index(month))
        write_month(self.dataset, month_frame(month, self.modes, **kwargs), month)
