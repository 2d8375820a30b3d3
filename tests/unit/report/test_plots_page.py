"""The dvc plots page template inlines the chart library from the installed package: no CDN."""

from __future__ import annotations

from es_pipeline.report.plots_page import write_template


def test_template_inlines_vega_and_loads_nothing_from_the_network(tmp_path):
    page = write_template(tmp_path / "offline.html").read_text()
    assert page.count("{plot_divs}") == 1 and "{scripts}" not in page  # DVC's CDN scripts go nowhere
    assert "http://" not in page.split("<script>")[0] and "cdn." not in page
    for library in ("/* vega 5.", "/* vega-lite 4.", "/* vega-embed 6."):
        assert library in page
    assert page.index("/* vega 5.") < page.index("/* vega-lite") < page.index("/* vega-embed")
