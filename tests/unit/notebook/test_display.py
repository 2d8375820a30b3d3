"""Shared display helpers: readable numbers, no meaningless index, and the same bytes on every run."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd

from es_pipeline.notebook import display
from tests.params import load_params


def test_table_formats_numbers_and_hides_the_index():
    table = display.Table(pd.DataFrame({"mode": ["a"], "rows": [502200], "share": [0.041436], "x": [1.03]}),
                          {"share": display.PCT})
    html = table._repr_html_()
    assert "502,200" in html and "4.1%" in html and "1.03" in html
    assert "<th" in html and 'class="blank level0"' not in html and "row_heading" not in html
    assert repr(table).splitlines()[1].split() == ["a", "502,200", "4.1%", "1.03"]
    assert display.Table(table.frame, {"share": display.PCT})._repr_html_() == html  # no random ids
    assert " at 0x" not in repr(table)


def test_settings_flatten_a_params_dataclass_into_rows():
    rows = display.settings(load_params().filter).frame
    assert dict(zip(rows["setting"], rows["value"], strict=True))["session_start"] == "07:30"
    assert display._text((dt.time(7, 30), dt.time(8, 30))) == "07:30–08:30"


def test_figures_render_to_identical_png_and_svg_bytes():
    def render(fmt: str) -> bytes:
        fig = display.figure((3, 2))
        fig.add_subplot().plot([1, 2, 3])
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
        return buffer.getvalue()

    assert render("png") == render("png")
    assert render("svg") == render("svg")  # svg.hashsalt fixes the element ids


def test_a_notebook_figure_is_drawn_once_at_its_own_size():
    import base64

    from IPython.core.interactiveshell import InteractiveShell
    from matplotlib.figure import Figure

    fig = display.figure((3, 2))
    fig.add_subplot().plot([1, 2, 3], label="line")
    fig.axes[0].set(title="t", xlabel="x", ylabel="y")
    display.legend_outside(fig.axes[0])
    draws = []
    fig.canvas.mpl_connect("draw_event", draws.append)
    png = base64.b64decode(display.png_in_one_draw(fig))
    assert len(draws) == 1 and fig.get_layout_engine() is None  # layout computed once, then frozen
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[16:24] == (300).to_bytes(4, "big") + (200).to_bytes(4, "big")
    assert base64.b64decode(display.png_in_one_draw(fig)) == png
    legend = fig.axes[0].get_legend().get_window_extent()
    assert legend.x1 <= 300  # constrained layout kept the outside legend on the canvas
    shell = InteractiveShell.instance()
    display.figure((1, 1))  # the first figure in a kernel installs the one-draw formatter
    assert shell.display_formatter.formatters["image/png"].lookup_by_type(Figure) is display.png_in_one_draw
    InteractiveShell.clear_instance()


def test_table_html_aligns_numbers_right_and_escapes_text():
    html = display.Table(pd.DataFrame({"note": ["a<b"], "rows": [3]}))._repr_html_()
    assert '<th style="text-align: left;">rows</th>' in html  # headers left, as text
    assert '<td style="text-align: left;">a&lt;b</td><td style="text-align: right;">3</td>' in html
