"""The label step's parameters (``params/label.yaml``, SPEC 6), each key declared once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from es_pipeline.core.params import (
    Choice,
    Integer,
    Invalid,
    Named,
    Number,
    Section,
    load_file,
    load_market,
)

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class TradeMode:
    name: str
    direction: Annotated[str, Choice(("long", "short"), help="the side of the trade")]
    stop_ticks: Annotated[int, Integer(1, 10_000, help="stop distance from the entry price, in ticks")]
    target_ticks: Annotated[int, Integer(1, 10_000, help="target distance from the entry price, in ticks")]

    @property
    def sign(self) -> int:
        return 1 if self.direction == "long" else -1


@dataclass(frozen=True)
class QualityCurve:
    """clip(intercept - slope * x, lower, upper), x = mae_ticks / stop_ticks."""

    intercept: Annotated[float, Number(-1e6, 1e6, help="weight at x = 0")]
    slope: Annotated[float, Number(-1e6, 1e6, help="weight lost per unit of x")]
    lower: Annotated[float, Number(0.0, 1e6, help="smallest weight")]
    upper: Annotated[float, Number(0.0, 1e6, help="largest weight, at least lower")]

    def check(self) -> None:
        if self.upper < self.lower:
            raise Invalid(f"a number in [{self.lower}, 1000000.0]", "upper", self.upper)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        import numpy as np  # here, not at the top: validating params/ before a stage starts stays light

        return np.clip(self.intercept - self.slope * x, self.lower, self.upper)


@dataclass(frozen=True)
class VelocityCurve(QualityCurve):
    """clip(intercept - slope * (x - center_seconds) / scale_seconds, lower, upper), x = seconds_to_target."""

    center_seconds: Annotated[float, Number(0, 1e6, help="seconds to target at which the weight is intercept")]
    scale_seconds: Annotated[float, Number(1e-9, 1e6, help="seconds per unit of slope")]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        import numpy as np

        shifted = self.slope * (x - self.center_seconds) / self.scale_seconds
        return np.clip(self.intercept - shifted, self.lower, self.upper)


@dataclass(frozen=True)
class LabelWeights:
    quality: Annotated[QualityCurve, Section(help="winners: how little the trade went against the entry")]
    velocity: Annotated[VelocityCurve, Section(help="winners: how fast the target was reached")]


@dataclass(frozen=True)
class LabelParams:
    modes: Annotated[tuple[TradeMode, ...], Named(r"[a-z][a-z0-9_]*", "a mode name of lowercase letters, digits "
                                                  "and _", "mode", help="the trade modes, in file order")]
    timeout_seconds: Annotated[int, Integer(1, 86_400, help="horizon measured from the entry bar (t+1)")]
    weights: Annotated[LabelWeights, Section(help="winners: weight = quality * velocity; others 1.0")]


def load(params_dir: str | Path = "params") -> LabelParams:
    load_market(params_dir)
    return load_file(params_dir, "label", LabelParams)
