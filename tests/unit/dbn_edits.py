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


def header(metadata: dbn.Metadata, parent: bool, parent_symbol: str = PARENT_SYMBOL, **changes) -> dbn.Metadata:
    """The same header; with ``parent`` the request was for ``parent_symbol``, mapped to the file's ids only.

    ``changes`` replace other header fields (``dataset``, ``schema``, ``version``).
    """
    if parent:
        intervals = tuple(MappingInterval(i["start_date"], i["end_date"], i["symbol"])
                          for intervals in metadata.mappings.values() for i in intervals)
        symbols, mappings, stype_in = [parent_symbol], [SymbolMapping(parent_symbol, intervals)], dbn.SType.PARENT
    else:
        symbols = list(metadata.symbols)
        mappings = [SymbolMapping(s, tuple(MappingInterval(i["start_date"], i["end_date"], i["symbol"])
                                           for i in intervals)) for s, intervals in metadata.mappings.items()]
        stype_in = metadata.stype_in
    fields = {"dataset": metadata.dataset, "schema": metadata.schema, "start": metadata.start, "end": metadata.end,
              "stype_in": stype_in, "stype_out": metadata.stype_out, "symbols": symbols, "mappings": mappings}
    return dbn.Metadata(**fields | changes)


def as_parent(path: Path, parent_symbol: str = PARENT_SYMBOL, **changes) -> bytes:
    metadata, records = decode(path)
    return encode(header(metadata, parent=True, parent_symbol=parent_symbol, **changes), records)


def in_version(path: Path, version: int) -> bytes:
    """The same records under a DBN version ``version`` header (ohlcv records are alike in 1 to 3)."""
    metadata, records = decode(path)
    return encode(header(metadata, parent=metadata.stype_in == dbn.SType.PARENT, version=version), records)


def streamed(data: bytes) -> bytes:
    """The same zstd data as Databento's downloads come: a streamed frame that does not record its size."""
    plain = zstandard.ZstdDecompressor().decompressobj().decompress(data)
    compressor = zstandard.ZstdCompressor().compressobj()
    return compressor.compress(plain) + compressor.flush()


def with_mixed_schemas(path: Path, other: Path) -> bytes:
    """``path``'s records and ``other``'s in one file whose header names no schema (mixed)."""
    metadata, records = decode(path)
    return encode(header(metadata, parent=False, schema=None), records + decode(other)[1])


def with_definition_symbol(path: Path, old: str, new: str) -> bytes:
    """A definition file whose records name instrument ``old`` as ``new`` (same length), header untouched."""
    metadata, records = decode(path)
    raw = [bytes(r).replace(old.encode() + b"\0", new.encode() + b"\0") for r in records]
    return zstandard.ZstdCompressor().compress(header(metadata, parent=False).encode() + b"".join(raw))


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
