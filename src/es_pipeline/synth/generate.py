"""generate_month: write a realistic raw ES.FUT month, since production data cannot be shipped.

The output imitates a Databento GLBX.MDP3 ohlcv-1s file for parent ES.FUT (front, next and
their calendar spread, all Globex hours); with parent symbology the month's definition file is
written beside it, as the pipeline expects for real parent requests.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass
from pathlib import Path

import databento_dbn as dbn
import numpy as np

from es_pipeline.filter.ingest import definition_path_for
from es_pipeline.synth import dbnfile
from es_pipeline.synth.sessions import clock_minutes
from es_pipeline.synth.simulate import simulate_month

MONTH = re.compile(r"(20[1-2]\d|2030)-(0[1-9]|1[0-2])")
SYMBOLOGIES = ("raw_symbol", "parent")
RTH_MINUTES = (8 * 60 + 30, 15 * 60)  # 08:30-15:00 CT


@dataclass(frozen=True)
class GenerationSummary:
    month: str
    path: Path
    records: int
    records_per_symbol: dict[str, int]
    records_per_part: dict[str, int]  # "rth" (08:30-15:00 CT) and "overnight"
    trading_days: tuple[dt.date, ...]
    elapsed_seconds: float
    definition_path: Path | None = None

    def __str__(self) -> str:
        days = self.trading_days
        lines = [
            f"{self.month}: {self.records:,} records, {len(days)} trading days "
            f"({days[0]} .. {days[-1]}), {self.elapsed_seconds:.1f} s -> {self.path}",
            *(f"  {name:<12}{count:>12,}" for name, count in self.records_per_symbol.items()),
            *(f"  {name:<12}{count:>12,}" for name, count in self.records_per_part.items()),
        ]
        if self.definition_path:
            lines.append(f"  definitions -> {self.definition_path}")
        return "\n".join(lines)


def _check(month: str, out: Path, seed: int, days: int | None, symbology: str) -> tuple[int, int]:
    if not isinstance(month, str) or not MONTH.fullmatch(month):
        raise ValueError(f"month must be YYYY-MM between 2010-01 and 2030-12, got {month!r}")
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if days is not None and (not isinstance(days, int) or days < 1):
        raise ValueError(f"days must be None or a positive integer, got {days!r}")
    if symbology not in SYMBOLOGIES:
        raise ValueError(f"symbology must be one of {', '.join(SYMBOLOGIES)}, got {symbology!r}")
    if symbology == "parent" and ".ohlcv-1s." not in out.name:
        raise ValueError(f"with parent symbology the file name must contain '.ohlcv-1s.', got {out.name!r}")
    year, number = month.split("-")
    return int(year), int(number)


def generate_month(month: str, out: str | Path, seed: int = 0, days: int | None = None,
                   symbology: str = "raw_symbol") -> GenerationSummary:
    """Write the month's ohlcv-1s DBN file (first ``days`` trading days only, if given) to ``out``."""
    started = time.perf_counter()
    out = Path(out)
    year, number = _check(month, out, seed, days, symbology)
    sim = simulate_month(year, number, seed, days)
    records, parent = sim.records, symbology == "parent"
    start_ns, end_ns = sim.sessions[0].open_ns, sim.sessions[-1].close_ns
    counts, spans = {}, {}
    for contract in sim.contracts:
        ts = records.ts_event[records.instrument_id == contract.instrument_id]
        counts[contract.symbol] = len(ts)
        if len(ts):
            spans[contract] = (int(ts[0]), int(ts[-1]))
    definition_path = None
    if parent:
        definition_path = definition_path_for(out)
        whole_month = {contract: (start_ns, end_ns - 1) for contract in sim.contracts}
        # databento_dbn's stubs type its enum members (dbn.Schema.*) as str
        dbnfile.write_dbn(definition_path,
                          dbnfile.metadata(dbn.Schema.DEFINITION, whole_month, start_ns, end_ns, parent),  # type: ignore[arg-type]
                          dbnfile.definitions_body(sim.contracts, start_ns))
    header = dbnfile.metadata(dbn.Schema.OHLCV_1S, spans, start_ns, end_ns, parent)  # type: ignore[arg-type]
    dbnfile.write_dbn(out, header, dbnfile.ohlcv_body(records))
    minutes = clock_minutes(records.ts_event)
    rth = int(np.count_nonzero((minutes >= RTH_MINUTES[0]) & (minutes < RTH_MINUTES[1])))
    return GenerationSummary(
        month=month, path=out, records=len(records.ts_event), records_per_symbol=counts,
        records_per_part={"rth": rth, "overnight": len(records.ts_event) - rth},
        trading_days=tuple(session.date for session in sim.sessions),
        elapsed_seconds=time.perf_counter() - started, definition_path=definition_path,
    )
