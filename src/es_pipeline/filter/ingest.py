"""Read a raw Databento month into a DataFrame, with Databento's own decoder.

The bytes are checked before decoding (complete zstd frames, not empty) because the
decoder itself only warns on a truncated file and returns the records it could read:
for a month of market data a silent partial read is the worst possible outcome.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import BinaryIO

import databento as db
import databento_dbn as dbn
import numpy as np
import pandas as pd
import zstandard

from es_pipeline.core.errors import RawDataError
from es_pipeline.filter.contracts import instrument_symbol

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
PRICE_SCALE = 1e9  # DBN prices are integers in units of 1e-9; dividing rounds correctly
UNDEF_PRICE_POINTS = np.float64(dbn.UNDEF_PRICE) / PRICE_SCALE  # the null-price sentinel, as read
RAW_COLUMNS = ("ts_event", "instrument_id", "symbol", "open", "high", "low", "close", "volume")


def _decompress(data: bytes, source: str) -> bytes:
    if not data.startswith(ZSTD_MAGIC):
        return data
    chunks = []
    while data:
        decompressor = zstandard.ZstdDecompressor().decompressobj()
        try:
            chunks.append(decompressor.decompress(data))
        except zstandard.ZstdError as exc:
            raise RawDataError(source, f"corrupt zstd data ({exc})", rule="corrupt") from None
        if not decompressor.eof:
            raise RawDataError(source, "truncated file: the zstd stream ends mid-frame", rule="truncated")
        data = decompressor.unused_data
    return b"".join(chunks)


def _read_bytes(source: str | Path | bytes | BinaryIO, name: str) -> bytes:
    if isinstance(source, bytes):
        return source
    if hasattr(source, "read"):
        return source.read()
    path = Path(source)
    if not path.exists():
        raise RawDataError(name, "file not found", rule="file_not_found")
    return path.read_bytes()


def open_store(source: str | Path | bytes | BinaryIO, name: str | None = None) -> tuple[db.DBNStore, np.ndarray]:
    """Decode a DBN file/bytes/stream (store + records), turning every decoder complaint into an error."""
    name = name or str(getattr(source, "name", source if isinstance(source, (str, Path)) else "<bytes>"))
    data = _decompress(_read_bytes(source, name), name)
    if not data:
        raise RawDataError(name, "empty file: no DBN metadata and no records", rule="empty_file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            store = db.DBNStore.from_bytes(io.BytesIO(data))
            records = store.to_ndarray()  # decode now, so truncation and corruption surface here
    except (Warning, Exception) as exc:
        raise RawDataError(name, f"not a readable DBN file ({exc})", rule="not_dbn") from None
    return store, records.reshape(-1)  # a header without records decodes to shape (0, 1)


def _definition_symbols(definition: Path | bytes, name: str) -> dict[int, str]:
    store, records = open_store(definition, name)
    if store.schema != dbn.Schema.DEFINITION:
        raise RawDataError(name, f"expected schema definition, found {store.schema}", rule="schema")
    raw_symbols = np.char.decode(records["raw_symbol"], "ascii")
    return dict(zip(records["instrument_id"].astype(int).tolist(), raw_symbols.tolist(), strict=True))


def definition_path_for(path: str | Path) -> Path:
    """``X.ohlcv-1s.dbn.zst`` -> ``X.definition.dbn.zst``: the month's definitions stored beside it."""
    path = Path(path)
    return path.with_name(path.name.replace(".ohlcv-1s.", ".definition."))


def instrument_symbols(store: db.DBNStore, name: str, definition: Path | bytes | None) -> dict[int, str] | None:
    """instrument_id -> raw symbol from the file's mappings, else from its definition file.

    None when the file maps only its parent symbol and no definition file is given: the
    caller then names contracts by instrument id (``contracts.instrument_symbol``).
    """
    if store.metadata.stype_in == dbn.SType.RAW_SYMBOL:
        return {
            int(interval["symbol"]): raw_symbol
            for raw_symbol, intervals in store.symbology["mappings"].items()
            for interval in intervals
            if interval["symbol"]
        }
    definition_name = definition_path_for(name).name
    if isinstance(definition, bytes) or (isinstance(definition, Path) and definition.exists()):
        return _definition_symbols(definition, definition_name)
    return None


def read_raw(source: str | Path | bytes | BinaryIO, name: str | None = None,
             definition: Path | bytes | None = None) -> pd.DataFrame:
    """Read an ohlcv-1s month: ts_event (UTC ns), instrument_id, symbol, OHLC (points), volume.

    ``definition`` (path or bytes) resolves instrument ids when the file maps only its parent
    symbol; for a local path it defaults to the definition file stored beside it. Without
    one, ``symbol`` is the instrument id as text (``id:<instrument_id>``): the filter then
    tells contracts apart by id and spreads from outrights by price (``contracts``).
    A price equal to Databento's undefined-price sentinel stays ``UNDEF_PRICE_POINTS``
    so validation can name it (rule ``undefined_price``).
    """
    name = name or str(source)
    if definition is None and isinstance(source, (str, Path)):
        definition = definition_path_for(source)
    store, records = open_store(source, name)
    if store.schema != dbn.Schema.OHLCV_1S:
        raise RawDataError(name, f"expected schema ohlcv-1s, found {store.schema}", rule="schema")
    ids = records["instrument_id"].astype(np.int64)
    present, codes = np.unique(ids, return_inverse=True)
    symbols = instrument_symbols(store, name, definition)
    if symbols is None:
        symbols = {i: instrument_symbol(i) for i in present.tolist()}
    unknown = [i for i in present.tolist() if i not in symbols]
    if unknown:
        count = int(np.isin(ids, unknown).sum())
        raise RawDataError(name, f"instrument ids {unknown[:5]} have no symbol mapping",
                           rule="symbology", count=count)
    names = np.array([symbols[i] for i in present.tolist()], dtype=object)
    frame = pd.DataFrame({
        "ts_event": pd.Series(records["ts_event"].view("datetime64[ns]")).dt.tz_localize("UTC"),
        "instrument_id": ids,
        "symbol": pd.Series(names[codes], dtype="str"),
        **{col: records[col].astype(np.float64) / PRICE_SCALE for col in ("open", "high", "low", "close")},
        "volume": records["volume"].astype(np.int64),
    })
    return frame
