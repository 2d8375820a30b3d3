"""Edit real DBN files for fault tests: re-head them as parent requests, strip or alter records.

Decoding and encoding go through databento_dbn itself, so the edited bytes are what Databento's
own tools would write for that header and those records.
"""

from __future__ import annotations

from pathlib import Path

import databento_dbn as dbn
import zstandard

from es_pipeline.synth.dbnfile import PARENT_SYMBOL, MappingInterval, SymbolMapping


def decode(path: Path) -> tuple[dbn.Metadata, list]:
    decoder = dbn.DBNDecoder()
    decoder.write(zstandard.ZstdDecompressor().decompressobj().decompress(path.read_bytes()))
    metadata, *records = decoder.decode()
    return metadata, records


def encode(metadata: dbn.Metadata, records: list) -> bytes:
    return zstandard.ZstdCompressor().compress(metadata.encode() + b"".join(bytes(r) for r in records))


def header(metadata: dbn.Metadata, parent: bool) -> dbn.Metadata:
    """The same header; with ``parent`` the request was for ES.FUT, mapped to the file's ids only."""
    if parent:
        intervals = tuple(MappingInterval(i["start_date"], i["end_date"], i["symbol"])
                          for intervals in metadata.mappings.values() for i in intervals)
        symbols, mappings, stype_in = [PARENT_SYMBOL], [SymbolMapping(PARENT_SYMBOL, intervals)], dbn.SType.PARENT
    else:
        symbols = list(metadata.symbols)
        mappings = [SymbolMapping(s, tuple(MappingInterval(i["start_date"], i["end_date"], i["symbol"])
                                           for i in intervals)) for s, intervals in metadata.mappings.items()]
        stype_in = metadata.stype_in
    return dbn.Metadata(dataset=metadata.dataset, schema=metadata.schema, start=metadata.start,
                        end=metadata.end, stype_in=stype_in, stype_out=metadata.stype_out,
                        symbols=symbols, mappings=mappings)


def as_parent(path: Path) -> bytes:
    metadata, records = decode(path)
    return encode(header(metadata, parent=True), records)


def header_only(path: Path) -> bytes:
    metadata, _ = decode(path)
    return encode(header(metadata, parent=False), [])


def with_record_prices(path: Path, **prices: int) -> bytes:
    """Every record with the given raw (1e-9) prices replaced, e.g. ``high=dbn.UNDEF_PRICE``."""
    metadata, records = decode(path)
    edited = []
    for r in records:
        values = {k: getattr(r, k) for k in ("open", "high", "low", "close")} | prices
        edited.append(dbn.OHLCVMsg(r.rtype, r.publisher_id, r.instrument_id, r.ts_event, values["open"],
                                   values["high"], values["low"], values["close"], r.volume))
    return encode(header(metadata, parent=False), edited)
