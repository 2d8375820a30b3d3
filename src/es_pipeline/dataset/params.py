"""The dataset step's parameters (``params/dataset.yaml``, SPEC 8): the time decay applied when it is read.

The partitions themselves take no parameter; these keys only feed the decay stage and the reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from es_pipeline.core.params import (
    Invalid,
    Number,
    OptionalMonth,
    load_file,
    load_market,
    load_months,
)
from es_pipeline.core.periods import months_after

REFERENCE_MONTHS_AHEAD = 12  # a reference month this far past the last listed one is a typo, not a plan


@dataclass(frozen=True)
class DatasetParams:
    last_month: str  # the last listed month (params/months.yaml), the default reference
    decay_rate: Annotated[float, Number(0.0, 10.0, help="weight *= exp(-decay_rate * months_ago)")]
    reference_month: Annotated[str | None, OptionalMonth(
        help="months_ago is counted back from this month; null = the last listed month")] = None

    @property
    def reference(self) -> str:
        return self.reference_month or self.last_month

    def check(self) -> None:
        latest = months_after(self.last_month, REFERENCE_MONTHS_AHEAD)
        # an earlier reference would give later months weights above their undecayed value
        if self.reference_month is not None and not self.last_month <= self.reference_month <= latest:
            raise Invalid(f"null or a month from {self.last_month} (the last listed month) to {latest}",
                          "reference_month", self.reference_month)


def load(params_dir: str | Path = "params") -> DatasetParams:
    load_market(params_dir)
    return load_file(params_dir, "dataset", DatasetParams, last_month=load_months(params_dir)[-1].month)
