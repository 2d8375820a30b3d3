"""Figures for the cross-month report notebook."""

from __future__ import annotations

import matplotlib.pyplot as plt

from es_pipeline.report import Report


def overview_figure(report: Report):
    """Rows, filled fraction and win rate per mode, month by month."""
    fig, axes = plt.subplots(1, 3, figsize=(15, 3.8))
    months = report.months
    axes[0].bar(months.index, months["rows"], color="steelblue")
    axes[0].set_title("rows per month")
    axes[1].bar(months.index, months["filled_fraction"] * 100, color="darkorange")
    axes[1].set_title("gap-filled rows (%)")
    for mode in report.win_rate.columns:
        axes[2].plot(report.win_rate.index, report.win_rate[mode] * 100, marker="o", label=mode)
    axes[2].set_title("win rate per mode (%)")
    axes[2].legend(fontsize=7)
    for ax in axes:
        ax.tick_params(axis="x", rotation=45)
    fig.tight_layout()
    return fig


def nan_share_figure(report: Report):
    """NaN share per feature and month: warm-up windows should be the only source of NaN."""
    share = report.nan_share * 100
    fig, ax = plt.subplots(figsize=(max(4, 1.2 * share.shape[1] + 3), 10))
    image = ax.imshow(share.to_numpy(), aspect="auto", cmap="viridis")
    ax.set_yticks(range(len(share.index)), share.index, fontsize=7)
    ax.set_xticks(range(len(share.columns)), share.columns, rotation=45)
    fig.colorbar(image, ax=ax, label="NaN share (%)")
    ax.set_title("feature NaN share by month")
    fig.tight_layout()
    return fig
