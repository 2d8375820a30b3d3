"""Encode and write DBN files with databento-dbn: ohlcv-1s records or instrument definitions.

Files are laid out as Databento's (metadata header, then fixed-size records), compressed as one
zstd frame at a fixed level so the same records always give the same bytes, and written through
a temporary file so a failed run never leaves a half-written month behind.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import databento_dbn as dbn
import zstandard

from es_pipeline.core.files import atomic_path
from es_pipeline.synth.contracts import Contract
from es_pipeline.synth.simulate import PRICE_SCALE, Records

DATASET = "GLBX.MDP3"
PARENT_SYMBOL = "ES.FUT"
PUBLISHER_ID = 1  # GLBX.MDP3.GLBX
ZSTD_LEVEL = 3
DISPLAY_FACTOR = 10_000_000  # as in Databento's ES definitions
CONTRACT_MULTIPLIER = 50


@dataclass(frozen=True)
class MappingInterval:
    """Satisfies databento_dbn.metadata.MappingInterval: the symbol maps to an id over [start, end)."""

    start_date: dt.date
    end_date: dt.date
    symbol: str


@dataclass(frozen=True)
class SymbolMapping:
    """Satisfies databento_dbn.metadata.SymbolMapping."""

    raw_symbol: str
    intervals: tuple[MappingInterval, ...]


def _utc_date(ts_ns: int) -> dt.date:
    return dt.datetime.fromtimestamp(ts_ns / 1e9, dt.UTC).date()


def _interval(contract: Contract, first_ns: int, last_ns: int) -> MappingInterval:
    return MappingInterval(_utc_date(first_ns), _utc_date(last_ns) + dt.timedelta(days=1), str(contract.instrument_id))


def metadata(schema: dbn.Schema, spans: dict[Contract, tuple[int, int]], start_ns: int, end_ns: int,
             parent: bool) -> dbn.Metadata:
    """Header for a month: ``spans`` gives each contract's first and last record time (UTC ns).

    Raw symbology maps every contract symbol to its id; parent symbology maps only ``ES.FUT``
    (to every id), so symbols must come from the definition file, as with real parent requests.
    """
    intervals = {contract: _interval(contract, *span) for contract, span in spans.items()}
    if parent:
        symbols = [PARENT_SYMBOL]
        mappings = [SymbolMapping(PARENT_SYMBOL, tuple(intervals.values()))]
    else:
        symbols = [contract.symbol for contract in intervals]
        mappings = [SymbolMapping(contract.symbol, (interval,)) for contract, interval in intervals.items()]
    # databento_dbn's stubs type its enum members as str, and its SymbolMapping protocol's attributes as
    # settable (these dataclasses are frozen): the ignores below are for those two
    return dbn.Metadata(
        dataset=DATASET, schema=schema, start=start_ns, end=end_ns,
        stype_in=dbn.SType.PARENT if parent else dbn.SType.RAW_SYMBOL,  # type: ignore[arg-type]
        stype_out=dbn.SType.INSTRUMENT_ID,  # type: ignore[arg-type]
        symbols=symbols, mappings=mappings,  # type: ignore[arg-type]
    )


def ohlcv_body(records: Records) -> bytes:
    rtype = dbn.RType.OHLCV_1S
    columns = (records.instrument_id, records.ts_event, records.open, records.high, records.low,
               records.close, records.volume)
    return b"".join(
        bytes(dbn.OHLCVMsg(rtype, PUBLISHER_ID, *values))
        for values in zip(*(column.tolist() for column in columns), strict=True)
    )


def _definition(contract: Contract, ts_ns: int) -> dbn.InstrumentDefMsg:
    return dbn.InstrumentDefMsg(
        publisher_id=PUBLISHER_ID, instrument_id=contract.instrument_id, ts_event=ts_ns, ts_recv=ts_ns,
        min_price_increment=round(contract.tick * PRICE_SCALE), display_factor=DISPLAY_FACTOR,
        raw_symbol=contract.symbol, asset="ES", security_type="FUT",
        # databento_dbn's stubs type its enum members as str
        instrument_class=(dbn.InstrumentClass.FUTURE_SPREAD if contract.is_spread  # type: ignore[arg-type]
                          else dbn.InstrumentClass.FUTURE),
        security_update_action=dbn.SecurityUpdateAction.ADD,  # type: ignore[arg-type]
        expiration=contract.expiration_ns,
        unit_of_measure_qty=CONTRACT_MULTIPLIER * PRICE_SCALE, maturity_year=contract.maturity.year,
        maturity_month=contract.maturity.month, currency="USD", group="ES", exchange="XCME",
        cfi="FMIXSX" if contract.is_spread else "FFIXSX", unit_of_measure="IPNT",
    )


def definitions_body(contracts: tuple[Contract, ...], ts_ns: int) -> bytes:
    return b"".join(bytes(_definition(contract, ts_ns)) for contract in contracts)


def write_dbn(path: str | Path, header: dbn.Metadata, body: bytes) -> None:
    """Compress header + records as one zstd frame and move it onto ``path`` when complete."""
    data = zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress(header.encode() + body)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
