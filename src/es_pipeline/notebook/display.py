"""How every notebook shows numbers: tables without meaningless indexes, thousands separators,
percentages as %, figures with units; and the same bytes on every run (no object addresses,
no random table ids, no timestamps in images), so executed notebooks stay reproducible.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import sys
from typing import TYPE_CHECKING

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Protocol

    from _typeshed import DataclassInstance
    from matplotlib.axes import Axes

    class _Mode(Protocol):
        @property
        def name(self) -> str: ...
        @property
        def direction(self) -> str: ...
        @property
        def stop_ticks(self) -> int: ...
        @property
        def target_ticks(self) -> int: ...

    class _Modes(Protocol):
        """What ``modes_table`` reads of the label step's ``LabelParams`` (notebook/ imports no step)."""

        @property
        def modes(self) -> Sequence[_Mode]: ...
        @property
        def timeout_seconds(self) -> int: ...

matplotlib.rcParams["svg.hashsalt"] = "es-pipeline"  # SVG element ids are random otherwise


def png_in_one_draw(fig: Figure) -> str | None:
    """The figure as base64 PNG, drawn once: its constrained layout is computed, then frozen.

    The inline backend's default (``bbox_inches="tight"``, layout engine left on) draws every
    figure twice, once only to measure it; constrained layout already keeps titles, labels and
    outside legends inside the canvas, so one draw at the same size gives the same picture.
    """
    from IPython.core.pylabtools import print_figure

    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
        fig.set_layout_engine(None)
    return print_figure(fig, "png", bbox_inches=None, base64=True)


def _show_figures_in_one_draw() -> None:
    """In a notebook kernel, figures are shown as PNG through ``png_in_one_draw``."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None:
        shell.display_formatter.formatters["image/png"].for_type(Figure, png_in_one_draw)


INT = "{:,.0f}"
PCT = "{:.1%}"
PCT2 = "{:.2%}"
NUM = "{:,.4g}"


class Table:
    """A DataFrame as a plain HTML table: no index column unless it means something, values formatted."""

    def __init__(self, frame: pd.DataFrame, formats: dict[str, str] | None = None, index: bool = False):
        self.frame, self.index = frame, index
        self.formats = formats or {}

    def _formatted(self) -> pd.DataFrame:
        out = self.frame.copy()
        for column in out.columns:
            spec = self.formats.get(column, INT if pd.api.types.is_integer_dtype(out[column]) else None)
            if spec is None and pd.api.types.is_float_dtype(out[column]):
                spec = NUM
            if spec is not None:
                out[column] = [("" if pd.isna(v) else spec.format(v)) for v in out[column]]
        return out

    def _repr_html_(self) -> str:
        """Plain HTML written directly (pandas' Styler costs a template load per kernel and ~10 ms a table):
        headers and text left-aligned, numbers right-aligned, values escaped."""
        numeric = {c for c in self.frame.columns if pd.api.types.is_numeric_dtype(self.frame[c]) or c in self.formats}
        formatted = self._formatted()
        if self.index:
            formatted = formatted.reset_index()
        aligns = ["right" if c in numeric else "left" for c in formatted.columns]

        def row(tag: str, values: Iterable[object], aligns: list[str]) -> str:
            return "<tr>" + "".join(f'<{tag} style="text-align: {align};">{html.escape(str(v))}</{tag}>'
                                    for v, align in zip(values, aligns, strict=True)) + "</tr>"

        head = row("th", formatted.columns, ["left"] * len(aligns))
        body = "\n".join(row("td", values, aligns) for values in formatted.itertuples(index=False, name=None))
        return f'<table class="es-table">\n<thead>{head}</thead>\n<tbody>\n{body}\n</tbody>\n</table>'


    def __repr__(self) -> str:
        return self._formatted().to_string(index=self.index)


def items(pairs: Sequence[tuple[str, object]]) -> Table:
    """A two-column "item | value" table (values already formatted as text)."""
    return Table(pd.DataFrame(pairs, columns=["item", "value"]).astype({"value": str}))


def parameters(**values: object) -> Table:
    """The notebook's injected parameters: the one visible parameter set of an executed notebook."""
    return items([(name, str(value)) for name, value in values.items()])


def _text(value: object) -> str:
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, dt.time) for v in value):
        return f"{value[0]:%H:%M}–{value[1]:%H:%M}"
    if isinstance(value, dt.time):
        return f"{value:%H:%M}"
    return str(value)


def settings(section: DataclassInstance, prefix: str = "") -> Table:
    """A params dataclass (params/*.yaml) as "setting | value" rows; nested mappings and dataclasses flattened."""
    pairs = []
    for f in dataclasses.fields(section):
        value, name = getattr(section, f.name), f"{prefix}{f.name}"
        if isinstance(value, dict):
            pairs += [(f"{name}.{k}", _text(v)) for k, v in value.items()]
        elif dataclasses.is_dataclass(value):
            pairs += [(f"{name}.{g.name}", _text(getattr(value, g.name))) for g in dataclasses.fields(value)]
        elif not (isinstance(value, tuple) and value and dataclasses.is_dataclass(value[0])):
            pairs.append((name, _text(value)))
    return Table(pd.DataFrame(pairs, columns=["setting", "value"]))


def modes_table(label: _Modes) -> Table:
    """The trade modes used (``LabelParams``): direction, stop and target in ticks, and the shared timeout."""
    return Table(pd.DataFrame({
        "mode": [m.name for m in label.modes], "direction": [m.direction for m in label.modes],
        "stop (ticks)": [m.stop_ticks for m in label.modes], "target (ticks)": [m.target_ticks for m in label.modes],
        "timeout (s)": [label.timeout_seconds] * len(label.modes),
    }))


LEGEND_RIGHT = {"left": 0.8, "right": 1.9, "bottom": 0.6, "top": 0.4, "wspace": 0.2}  # inches; room for legend_outside


def figure(size: tuple[float, float], margins: dict[str, float] | None = None) -> Figure:
    """A figure not registered with pyplot, so a notebook shows it once (as the cell's value).

    With ``margins`` (left, right, bottom, top in inches; wspace/hspace as fractions) the axes are
    placed by hand instead of by constrained layout, which measures every tick label twice: the
    largest drawing cost of grids of small axes and of one-axes charts with an outside legend.
    """
    fig = plt.figure(figsize=size, layout=None if margins else "constrained")
    plt.close(fig)
    _show_figures_in_one_draw()  # after plt.figure: the inline backend registers its own formatter on first use
    if margins:
        (width, height), rest = size, dict(margins)
        fig.subplots_adjust(left=rest.pop("left") / width, right=1 - rest.pop("right") / width,
                            bottom=rest.pop("bottom") / height, top=1 - rest.pop("top") / height, **rest)
    return fig


def percent_axis(ax: Axes, axis: str = "y", fit: list[float] | None = None, decimals: int | None = None) -> None:
    """Show fractions as %; with ``fit``, the axis spans 0 to a little above the largest value."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(PercentFormatter(1.0, decimals=decimals))
    if fit is not None:
        top = max([v for v in fit if pd.notna(v)], default=0.0)
        (ax.set_ylim if axis == "y" else ax.set_xlim)(0, top * 1.15 if top > 0 else 0.01)


def legend_outside(ax: Axes) -> None:
    """Legend to the right of the axes, never over the lines."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)


def few_ticks(ax: Axes, x: int = 5, y: int = 4, integer_x: bool = False) -> None:
    """At most ``x``/``y`` major ticks: small axes stay readable and every tick label costs layout time."""
    ax.xaxis.set_major_locator(MaxNLocator(x, integer=integer_x))
    ax.yaxis.set_major_locator(MaxNLocator(y))


def date_ticks(ax: Axes, labels: list[str], max_labels: int = 16, rotation: int = 0) -> None:
    """Category labels on the x axis, thinned so they never overlap."""
    step = max(1, -(-len(labels) // max_labels))
    positions = list(range(0, len(labels), step))
    ax.set_xticks(positions, [labels[i] for i in positions], rotation=rotation)
