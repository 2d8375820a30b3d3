"""Calendar names are listed once per installed version, then read from a small file (no pandas import)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas_market_calendars as mcal

from es_pipeline.core.calendars import calendar_names, names_file

REPO = Path(__file__).resolve().parents[3]


def test_the_names_are_those_of_pandas_market_calendars_and_get_stored(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    names = calendar_names()
    assert names == set(mcal.get_calendar_names()) and {"NYSE", "CME_Equity"} <= names
    stored = names_file()
    assert stored.parent == tmp_path / "es-pipeline"
    assert f"pandas_market_calendars-{mcal.__version__}" in stored.name and "exchange_calendars-" in stored.name
    assert set(json.loads(stored.read_text())) == names


def test_a_stored_list_is_what_later_calls_read(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    names_file().parent.mkdir(parents=True)
    names_file().write_text('["ONLY_THIS"]')
    assert calendar_names() == {"ONLY_THIS"}


def test_a_corrupt_list_is_listed_again_and_replaced(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    names_file().parent.mkdir(parents=True)
    names_file().write_text('["NYSE", "CME_Eq')
    assert "CME_Equity" in calendar_names()
    assert "CME_Equity" in json.loads(names_file().read_text())


def test_an_unwritable_cache_folder_still_gives_the_names(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert "NYSE" in calendar_names()
    assert blocker.read_text() == ""


def test_loading_params_with_a_stored_list_does_not_import_pandas(tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    code = ("import sys; from es_pipeline.filter.params import load; load('params'); "
            "print('pandas' in sys.modules)")
    first = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    second = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    assert (first.stdout.strip(), second.stdout.strip()) == ("True", "False")
