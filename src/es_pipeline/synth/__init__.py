"""Synthetic raw months: realistic Databento ES.FUT ohlcv-1s files for demos and tests."""

from es_pipeline.synth.generate import GenerationSummary, generate_month

__all__ = ["GenerationSummary", "generate_month"]
