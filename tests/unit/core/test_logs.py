"""Inside a notebook the log is plain and time-free (byte-stable outputs); the stage log keeps times and durations."""

from __future__ import annotations

import io
import logging
import sys

import pytest

from es_pipeline.core.logs import STAGE_LOG_ENV, log, setup_logging, timed, timed_total


@pytest.fixture
def streams(monkeypatch, capsys):
    """(stdout, stderr) text after the step; the kernel's real stderr (``sys.__stderr__``) counts as stderr."""
    real_stderr = io.StringIO()
    monkeypatch.setattr(sys, "__stderr__", real_stderr)

    def read() -> tuple[str, str]:
        captured = capsys.readouterr()
        return captured.out, captured.err + real_stderr.getvalue()

    yield read
    for handler in list(log.handlers):
        log.removeHandler(handler)


def run_step() -> None:
    with timed("read x"):
        log.info("read x: %s rows", "1,000")


def test_notebook_log_is_plain_and_leaves_out_durations(streams, monkeypatch):
    monkeypatch.delenv(STAGE_LOG_ENV, raising=False)
    setup_logging(notebook=True)
    run_step()
    out, err = streams()
    assert out == "INFO read x: 1,000 rows\n" and err == ""


def test_runner_gets_the_timestamped_stage_log_on_stderr(streams, monkeypatch):
    monkeypatch.setenv(STAGE_LOG_ENV, "1")
    setup_logging(notebook=True)
    run_step()
    out, err = streams()
    assert out == "INFO read x: 1,000 rows\n"
    lines = err.splitlines()
    assert len(lines) == 2 and lines[1].endswith(" s") and " in " in lines[1]
    assert lines[0][2] == ":" and lines[0][5] == ":"  # HH:MM:SS first


def test_cli_log_has_times_and_durations_on_stderr(streams):
    setup_logging(level=logging.INFO)
    run_step()
    out, err = streams()
    assert out == "" and "read x in" in err


def test_timed_total_sums_only_timed_stage_log_lines():
    stage_log = ("06:30:01 INFO read a.parquet in 0.44 s\n06:30:01 INFO month 2025-11: 2 sessions\n"
                 "06:30:03 INFO labeled 54,000 rows x 6 modes in 1.06 s\nINFO wrote b in 3.00 s\n")
    assert timed_total(stage_log) == pytest.approx(1.5)
