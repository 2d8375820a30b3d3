"""A long-lived process can measure one stage's peak memory, not its lifetime's."""

from __future__ import annotations

from es_pipeline.core.memory import peak_memory_mb, reset_peak_memory


def test_the_peak_starts_again_from_what_the_process_holds_after_a_reset():
    block = bytearray(300 * 1024 * 1024)  # touched: resident
    with_block = peak_memory_mb()
    del block
    reset_peak_memory()
    assert peak_memory_mb() < with_block - 200
