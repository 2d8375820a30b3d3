"""What the report and the site read of ``params/``: the month list and the trade modes' names.

The report has no keys of its own; it reads the label step's declarations, not a copy of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from es_pipeline.core.params import MonthEntry, load_market, load_months
from es_pipeline.label import params as label_params


@dataclass(frozen=True)
class ReportParams:
    months: tuple[MonthEntry, ...]
    label: label_params.LabelParams  # shown in the report's notebook

    @property
    def modes(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.label.modes)

    @property
    def month_names(self) -> list[str]:
        return [m.month for m in self.months]


def load(params_dir: str | Path = "params") -> ReportParams:
    load_market(params_dir)
    return ReportParams(months=load_months(params_dir), label=label_params.load(params_dir))
