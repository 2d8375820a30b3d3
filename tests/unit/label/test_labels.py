"""Label stage (SPEC 6): hand-built cases, a brute-force reference, the runner, the params."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from es_pipeline.core.errors import ParamsError, StageInputError
from es_pipeline.core.tables import FILTERED_SCHEMA, write_table
from es_pipeline.label import views
from es_pipeline.label.kernel import _jit
from es_pipeline.label.labels import (
    OUTCOME_DTYPE,
    label_bars,
    label_metrics,
    label_schema,
)
from es_pipeline.label.params import (
    LabelParams,
    LabelWeights,
    QualityCurve,
    TradeMode,
    VelocityCurve,
)
from es_pipeline.label.stage import read_labels, run
from tests.params import load_params
from tests.reference.labels import label_bars_reference

ROOT = Path(__file__).resolve().parents[3]

PARAMS = ROOT / "params"
TICK = 0.25
BASE = 4000.0
OPEN = pd.Timestamp("2025-12-01 07:30", tz="America/Chicago").tz_convert("UTC")
LONG = TradeMode("long", "long", stop_ticks=2, target_ticks=4)
SHORT = TradeMode("short", "short", stop_ticks=2, target_ticks=4)


def bars(rows, seconds=None, session="2025-12-01", start=OPEN, tick=TICK, base=BASE):
    """Bars from (open, high, low) offsets in ticks (a number n means a flat bar at n).

    ``seconds``: each bar's offset from ``start`` (default 0, 1, 2 ...).
    """
    rows = [(r, r, r) if np.isscalar(r) else r for r in rows]
    o, h, lo = (np.array([r[i] for r in rows], float) for i in range(3))
    seconds = np.arange(len(rows)) if seconds is None else np.asarray(seconds)
    return pd.DataFrame({
        "ts_event": (start + pd.to_timedelta(seconds, unit="s")).astype("datetime64[ns, UTC]"),
        "session_date": pd.Series(pd.Timestamp(session), index=range(len(rows))).astype("datetime64[ns]"),
        "symbol": "ESZ5",
        "open": base + o * tick, "high": base + h * tick, "low": base + lo * tick, "close": base + o * tick,
        "volume": np.int64(1), "filled": False,
    })


def mirror(rows):
    """The same path upside down: what a long sees, a short sees in the mirrored bars."""
    return [-r if np.isscalar(r) else (-r[0], -r[2], -r[1]) for r in rows]


def params(timeout=10, modes=(LONG, SHORT)) -> LabelParams:
    """The committed weights with hand-picked modes and timeout."""
    return dataclasses.replace(load_params().label, modes=tuple(modes), timeout_seconds=timeout)


def first_row(rows, direction, timeout=10, seconds=None, mode=None):
    """Label row 0 of hand-built bars for one direction; the short case sees mirrored bars."""
    mode = mode or (LONG if direction == "long" else SHORT)
    frame = bars(rows if direction == "long" else mirror(rows), seconds)
    out = label_bars(frame, params(timeout, [mode]), TICK)
    pd.testing.assert_frame_equal(out, label_bars_reference(frame, params(timeout, [mode]), TICK))
    return {k: out[f"{k}_{mode.name}"].iloc[0]
            for k in ("label", "outcome", "mae_ticks", "seconds_to_target", "weight")}


# --- hand-built cases (long as written, short on the mirrored path) --------------------------

DIRECTIONS = pytest.mark.parametrize("direction", ["long", "short"])


@DIRECTIONS
def test_target_hit_first(direction):
    r = first_row([0, (0, 1, -1), (0, 2, -1), (0, 4, -1), (0, 0, -9)] + [0] * 12, direction)
    assert (r["outcome"], r["label"], r["mae_ticks"], r["seconds_to_target"]) == ("win", 1, 1.0, 2.0)


@DIRECTIONS
def test_stop_hit_first(direction):
    r = first_row([0, (0, 1, -1), (0, 1, -2), (0, 9, 0)] + [0] * 12, direction)
    assert (r["outcome"], r["label"], r["weight"]) == ("stop", 0, 1.0)
    assert np.isnan(r["mae_ticks"]) and np.isnan(r["seconds_to_target"])


@DIRECTIONS
def test_bar_touching_both_levels_is_a_stop(direction):
    assert first_row([0, (0, 1, -1), (0, 4, -2)] + [0] * 12, direction)["outcome"] == "stop"


@DIRECTIONS
def test_hit_inside_the_entry_bar(direction):
    r = first_row([(9, 9, 9), (0, 4, -1)] + [0] * 12, direction)  # entry = open of t+1, not close of t
    assert (r["outcome"], r["mae_ticks"], r["seconds_to_target"]) == ("win", 1.0, 0.0)


@DIRECTIONS
@pytest.mark.parametrize("hit_after, outcome", [(9, "win"), (10, "timeout")])
def test_timeout_boundary(direction, hit_after, outcome):
    rows = [0] * 16
    rows[1 + hit_after] = (0, 4, 0)  # ts_(t+1) + hit_after seconds
    r = first_row(rows, direction, timeout=10)
    assert r["outcome"] == outcome
    if outcome == "win":
        assert r["seconds_to_target"] == 9.0


@DIRECTIONS
@pytest.mark.parametrize("hit_second, outcome", [(10, "win"), (11, "timeout")])
def test_horizon_uses_timestamps_not_bar_counts(direction, hit_second, outcome):
    """A grid with gaps: bars at 0, 1, 5, 9, then the hit at 10 (9 s after entry) or 11 (10 s)."""
    r = first_row([0, 0, 0, 0, (0, 4, 0), 0], direction, timeout=10, seconds=[0, 1, 5, 9, hit_second, 30])
    assert r["outcome"] == outcome


@DIRECTIONS
def test_session_ending_before_either_level(direction):
    r = first_row([0, (0, 1, -1), (0, 3, -1), 0], direction, timeout=10)
    assert (r["outcome"], r["label"], r["weight"]) == ("session_end", 0, 1.0)


@pytest.mark.parametrize("n_bars, outcome", [(11, "timeout"), (10, "session_end")])
def test_horizon_ending_on_the_sessions_last_bar(n_bars, outcome):
    """With 10 bars t+1..t+10 in the session the whole 10 s horizon was seen: timeout."""
    frame = bars([0] * n_bars)
    out = label_bars(frame, params(10), TICK)
    assert out["outcome_long"].iloc[0] == outcome == out["outcome_short"].iloc[0]
    pd.testing.assert_frame_equal(out, label_bars_reference(frame, params(10), TICK))


def test_last_bar_of_a_session_is_session_end():
    out = label_bars(bars([0, (0, 9, -9)]), params(10), TICK)  # row 1 has no next bar
    assert list(out["outcome_long"]) == ["stop", "session_end"]
    assert list(out["outcome_short"]) == ["stop", "session_end"]


@DIRECTIONS
def test_winner_mae_seconds_and_weight_by_hand(direction):
    mode = TradeMode("m", direction, stop_ticks=8, target_ticks=16)
    rows = [0] * 600
    rows[1] = (0, 2, -1)
    rows[50] = (-1, 0, -3)  # worst excursion: 3 ticks against the trade
    rows[401] = (10, 16, 9)  # target 400 s after the entry bar
    r = first_row(rows, direction, timeout=900, mode=mode)
    # quality = clip(2 - 1.5 * 3/8, 0.5, 2) = 1.4375; velocity = clip(2 - 1.5 * (400-300)/600, 0.5, 2) = 1.75
    assert (r["outcome"], r["mae_ticks"], r["seconds_to_target"]) == ("win", 3.0, 400.0)
    assert r["weight"] == 1.4375 * 1.75


def test_weights_are_clipped():
    mode = TradeMode("m", "long", stop_ticks=8, target_ticks=16)
    quick = label_bars(bars([0, (0, 16, 0)] + [0] * 5), params(900, [mode]), TICK)
    assert quick["weight_m"].iloc[0] == 2.0 * 2.0  # velocity 2.75 at 0 s is clipped to 2
    slow = [0] * 1000
    slow[1], slow[880] = (0, 0, -7), (0, 16, 0)
    # With the default curves neither lower clip is reachable (MAE < stop, seconds < 900): raise them.
    label = LabelParams((mode,), 900, LabelWeights(
        quality=QualityCurve(intercept=2.0, slope=1.5, lower=0.8, upper=2.0),
        velocity=VelocityCurve(intercept=2.0, slope=1.5, lower=0.6, upper=2.0, center_seconds=300.0,
                               scale_seconds=600.0)))
    late = label_bars(bars(slow), label, TICK)
    assert late["seconds_to_target_m"].iloc[0] == 879.0 and late["mae_ticks_m"].iloc[0] == 7.0
    assert late["weight_m"].iloc[0] == 0.8 * 0.6  # 0.6875 -> 0.8 and 0.5525 -> 0.6


def test_levels_are_exact_on_a_decimal_tick_grid():
    """tick 0.1: 4000.1 + 4 * 0.1 != 4000.5 in floating point; the level still counts as touched."""
    frame = bars([0, 0, (0, 4, -1)] + [0] * 12, tick=0.1, base=4000.1)
    out = label_bars(frame, params(10), 0.1)
    assert (out["outcome_long"].iloc[0], out["mae_ticks_long"].iloc[0]) == ("win", 1.0)


def test_sessions_never_look_into_the_next_session():
    """Session 2 starts right after session 1 and jumps 100 ticks: session 1 must not see it."""
    first = bars([0] * 20)
    second = bars([(100, 100, -100)] * 20, session="2025-12-02", start=OPEN + pd.Timedelta(seconds=20))
    both = pd.concat([first, second], ignore_index=True)
    out = label_bars(both, params(10), TICK)
    for mode in ("long", "short"):
        assert list(out[f"outcome_{mode}"].iloc[:20]) == ["timeout"] * 10 + ["session_end"] * 10
    pd.testing.assert_frame_equal(out.iloc[:20], label_bars(first, params(10), TICK))


# --- the fast labels equal the brute-force reference ---------------------------------------

def random_bars(n_sessions=3, seconds=3000, seed=0, gap_fraction=0.0) -> pd.DataFrame:
    """Random walk on the tick grid; every second 1000 s stretch is calm (so timeouts happen)."""
    rng = np.random.default_rng(seed)
    frames, price = [], 6000.0
    for s in range(n_sessions):
        calm = (np.arange(seconds) // 1000) % 2 == 1
        ticks = np.cumsum(np.round(rng.normal(0, 1, seconds) * np.where(calm, 0.18, 0.7)))
        close = price + ticks * TICK
        open_ = np.concatenate([[price], close[:-1]])
        wick = np.where(calm, 0, 1)
        high = np.maximum(open_, close) + rng.integers(0, 3, seconds) * wick * TICK
        low = np.minimum(open_, close) - rng.integers(0, 3, seconds) * wick * TICK
        keep = rng.random(seconds) >= gap_fraction
        keep[[0, -1]] = True
        day = pd.Timestamp("2025-12-01") + pd.Timedelta(days=s)
        start = (day + pd.Timedelta(hours=7, minutes=30)).tz_localize("America/Chicago").tz_convert("UTC")
        frames.append(pd.DataFrame({
            "ts_event": start + pd.to_timedelta(np.arange(seconds), unit="s"), "session_date": day,
            "symbol": "ESZ5", "open": open_, "high": high, "low": low, "close": close,
            "volume": np.int64(1), "filled": False,
        })[keep])
        price = close[-1] + 20 * TICK
    frame = pd.concat(frames, ignore_index=True)
    return frame.astype({"ts_event": "datetime64[ns, UTC]", "session_date": "datetime64[ns]"})


@pytest.mark.parametrize("seed, gap_fraction", [(1, 0.0), (2, 0.15)])
def test_matches_reference_on_every_row_for_all_six_modes(seed, gap_fraction):
    label = load_params(PARAMS).label
    assert len(label.modes) == 6
    frame = random_bars(seed=seed, gap_fraction=gap_fraction)
    fast = label_bars(frame, label, TICK)
    pd.testing.assert_frame_equal(fast, label_bars_reference(frame, label, TICK), check_exact=True)
    for mode in label.modes:  # the sample exercises every outcome
        assert (fast[f"outcome_{mode.name}"].value_counts() > 0).all(), mode.name


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_matches_reference_on_random_small_tables(data):
    n = data.draw(st.integers(1, 40))
    steps = data.draw(st.lists(st.integers(-2, 2), min_size=n, max_size=n))
    wicks = data.draw(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=n, max_size=n))
    gaps = data.draw(st.lists(st.integers(1, 3), min_size=n, max_size=n))
    cuts = data.draw(st.lists(st.integers(1, n), max_size=3))
    level = np.cumsum(steps)
    rows = [(o, o + up, o - down) for o, (up, down) in zip(level.tolist(), wicks, strict=True)]
    frame = bars(rows, seconds=np.cumsum(gaps))
    frame["session_date"] = pd.Timestamp("2025-12-01") + pd.to_timedelta(
        np.searchsorted(sorted(set(cuts)), np.arange(n), side="right"), unit="D")
    modes = [TradeMode(f"m{i}", d, data.draw(st.integers(1, 4)), data.draw(st.integers(1, 6)))
             for i, d in enumerate(("long", "short"))]
    label = params(data.draw(st.integers(1, 12)), modes)
    pd.testing.assert_frame_equal(label_bars(frame, label, TICK), label_bars_reference(frame, label, TICK))


# --- output shape, metrics and views ---------------------------------------------------------

def test_output_columns_dtypes_and_order():
    frame = random_bars(n_sessions=2, seconds=300, seed=3)
    label = load_params(PARAMS).label
    out = label_bars(frame.iloc[::-1].sort_values("ts_event"), label, TICK)  # index is not reused
    assert list(out.columns) == label_schema(label.modes).names
    assert out["ts_event"].dtype == "datetime64[ns, UTC]"
    assert (out["ts_event"].to_numpy() == frame["ts_event"].to_numpy()).all()
    for mode in label.modes:
        assert out[f"label_{mode.name}"].dtype == np.int8
        assert out[f"outcome_{mode.name}"].dtype == OUTCOME_DTYPE
        assert list(OUTCOME_DTYPE.categories) == ["win", "stop", "timeout", "session_end"]
        assert all(out[f"{q}_{mode.name}"].dtype == np.float64 for q in ("mae_ticks", "seconds_to_target", "weight"))
        losers = out[f"label_{mode.name}"] == 0
        assert out.loc[losers, f"mae_ticks_{mode.name}"].isna().all()
        assert (out.loc[losers, f"weight_{mode.name}"] == 1.0).all()


def test_label_bars_rejects_bad_input():
    frame = bars([0] * 5)
    with pytest.raises(StageInputError, match="not sorted"):
        label_bars(frame.iloc[[0, 2, 1, 3, 4]], params(), TICK)
    with pytest.raises(StageInputError, match="missing column"):
        label_bars(frame.drop(columns="session_date"), params(), TICK)
    split = pd.concat([bars([0] * 3), bars([0] * 2, session="2025-12-02", start=OPEN + pd.Timedelta(seconds=3)),
                       bars([0] * 2, start=OPEN + pd.Timedelta(seconds=5))], ignore_index=True)
    with pytest.raises(StageInputError, match="more than one block"):
        label_bars(split, params(), TICK)


def test_label_metrics():
    label = params(10)
    out = label_bars(bars([0, (0, 1, -1), (0, 4, -1), 0, 0, (0, 0, -9)] + [0] * 10), label, TICK)
    metrics = label_metrics(out, label)
    assert metrics["rows"] == 16
    for mode in ("long", "short"):
        m = metrics["modes"][mode]
        assert sum(m["outcomes"].values()) == 16
        assert m["win_rate"] == m["outcomes"]["win"] / 16
        assert m["mean_winner_weight"] == out.loc[out[f"label_{mode}"] == 1, f"weight_{mode}"].mean()
    assert label_metrics(out.iloc[:0], label)["modes"]["long"]["mean_winner_weight"] is None


def test_views_return_tables_and_figures():
    out = label_bars(random_bars(n_sessions=1, seconds=2400, seed=4), load_params(PARAMS).label, TICK)
    outcomes = views.outcome_table(out)
    assert outcomes.frame["win_rate"].between(0, 1).all()
    assert (outcomes.frame[["win", "stop", "timeout", "session_end"]].sum(axis=1) == len(out)).all()
    assert "%" in repr(outcomes) and "<th" in outcomes._repr_html_()
    by_time = views.win_rate_by_time(out)
    assert list(by_time.index) == ["07:30", "08:00"] and by_time["rows"].sum() == len(out)
    assert views.winner_summary(out).frame["winners"].sum() > 0
    modes = views.modes_table(load_params(PARAMS).label).frame
    assert list(modes.columns) == ["mode", "direction", "stop (ticks)", "target (ticks)", "timeout (s)"]
    for fig in (views.plot_win_rate_by_time(out), views.plot_winner_distributions(out),
                views.plot_weight_histogram(out), views.plot_weight_histogram(out.iloc[:0])):
        assert fig.axes


def test_win_rate_by_time_and_winner_summary_known_answer():
    ts = pd.to_datetime(["2025-11-03 13:30:00", "2025-11-03 13:59:59", "2025-11-03 14:00:00", "2025-11-03 15:10:00"],
                        utc=True)
    labels = pd.DataFrame({"ts_event": ts, "label_m": np.array([1, 0, 1, 1], dtype=np.int8),
                           "outcome_m": ["win", "stop", "win", "win"],
                           "seconds_to_target_m": [10.0, np.nan, 20.0, 30.0],
                           "mae_ticks_m": [1.0, np.nan, 2.0, 4.0], "weight_m": [2.0, 1.0, 4.0, 6.0]})
    by_time = views.win_rate_by_time(labels, "America/Chicago", 30)  # UTC-6 in November
    assert list(by_time.index) == ["07:30", "08:00", "09:00"]
    assert by_time["m"].tolist() == [0.5, 1.0, 1.0] and by_time["rows"].tolist() == [2, 1, 1]
    row = views.winner_summary(labels).frame.iloc[0]
    assert row["winners"] == 3 and row["seconds_p50"] == 20.0 and row["seconds_p25"] == 15.0
    assert row["mae_ticks_p75"] == 3.0 and row["mean_weight"] == 4.0


# --- stage runner ---------------------------------------------------------------------------

@pytest.fixture
def filtered(tmp_path) -> Path:
    path = tmp_path / "filtered" / "2025-12.parquet"
    write_table(random_bars(n_sessions=2, seconds=1500, seed=5), path, FILTERED_SCHEMA)
    return path


def test_run_round_trip_and_identical_bytes(filtered, tmp_path):
    out, metrics_out = tmp_path / "labels" / "2025-12.parquet", tmp_path / "metrics" / "2025-12.json"
    result = run(filtered=filtered, out=out, metrics_out=metrics_out, params_dir=PARAMS, month="2025-12")
    back = read_labels(out)
    pd.testing.assert_frame_equal(back, result.labels, check_exact=True)
    assert pq.read_schema(out).remove_metadata() == label_schema(load_params(PARAMS).label.modes)
    assert len(back) == 3000 and result.sessions == 2 and result.modes[0] == "low_vol_long"
    metrics = json.loads(metrics_out.read_text())
    assert metrics["rows"] == 3000 and metrics["month"] == "2025-12" and len(metrics["modes"]) == 6
    assert sum(metrics["modes"]["low_vol_long"]["outcomes"].values()) == 3000
    first = out.read_bytes(), metrics_out.read_bytes()
    run(filtered=filtered, out=out, metrics_out=metrics_out, params_dir=PARAMS, month="2025-12")
    again = tmp_path / "again.parquet", tmp_path / "again.json"
    run(filtered=filtered, out=again[0], metrics_out=again[1], params_dir=PARAMS, month="2025-12")
    assert (out.read_bytes(), metrics_out.read_bytes()) == first == (again[0].read_bytes(), again[1].read_bytes())


def _swap(frame, i, j):
    order = list(range(len(frame)))
    order[i], order[j] = order[j], order[i]
    return frame.iloc[order]


@pytest.mark.parametrize("breakage, message", [
    (lambda f: f.drop(columns=["low"]), "missing column"),
    (lambda f: _swap(f, 10, 11), "not sorted"),
    (lambda f: f.assign(ts_event=f["ts_event"].where(f.index != 11, f["ts_event"].iloc[10])), "duplicate"),
    (lambda f: f.assign(high=f["high"].where(f.index != 7, np.nan)), "NaN"),
])
def test_run_rejects_bad_input_and_writes_nothing(tmp_path, breakage, message):
    bad = tmp_path / "in" / "bad.parquet"
    write_table(breakage(random_bars(n_sessions=1, seconds=100, seed=6)), bad)
    out_dir = tmp_path / "out"
    with pytest.raises(StageInputError, match=message):
        run(filtered=bad, out=out_dir / "labels.parquet", metrics_out=out_dir / "metrics.json", params_dir=PARAMS,
            month="2025-12")
    assert not out_dir.exists() or not any(out_dir.iterdir())


# --- mode parameters are validated before any work -------------------------------------------

MODE_LINE = "low_vol_long:     {direction: long,  stop_ticks: 6,  target_ticks: 12}"


@pytest.mark.parametrize("replacement, key", [
    ("low_vol_long: {direction: long, stop_ticks: 0, target_ticks: 12}", "label.modes.low_vol_long.stop_ticks"),
    ("low_vol_long: {direction: long, stop_ticks: 6, target_ticks: -4}", "label.modes.low_vol_long.target_ticks"),
    ("low_vol_long: {direction: long, stop_ticks: 6.5, target_ticks: 12}", "label.modes.low_vol_long.stop_ticks"),
    ("low_vol_long: {direction: sideways, stop_ticks: 6, target_ticks: 12}", "label.modes.low_vol_long.direction"),
    ("low_vol_long: {direction: long, stop_ticks: 6, target_ticks: 12}\n    "
     "low_vol_long: {direction: short, stop_ticks: 6, target_ticks: 12}", "duplicate key 'low_vol_long'"),
])
def test_invalid_modes_are_rejected(tmp_path, replacement, key):
    params_dir = shutil.copytree(PARAMS, tmp_path / "params")
    text = (params_dir / "label.yaml").read_text()
    assert MODE_LINE in text
    (params_dir / "label.yaml").write_text(text.replace(MODE_LINE, replacement))
    with pytest.raises(ParamsError, match="label.yaml") as info:
        load_params(params_dir)
    assert key in str(info.value)


def test_jit_falls_back_when_numba_cannot_cache():
    namespace: dict = {}
    exec("def plus_one(x):\n    return x + 1\n", namespace)  # no source file: no cache location
    assert _jit()(namespace["plus_one"])(1) == 2
