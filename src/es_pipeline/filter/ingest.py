"""Read a raw Databento month into a DataFrame, with Databento's own decoder.

The bytes are checked before decoding (complete zstd frames, not empty) because the
decoder itself only warns on a truncated file and returns the records it could read:
for a month of market data a silent partial read is the worst possible outcome.
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path
from typing import BinaryIO

import databento as db
import databento_dbn as dbn
import numpy as np
import pandas as pd
import zstandard

from es_pipeline.core.errors import RawDataError
from es_pipeline.filter.contracts import instrument_symbol, outright_pattern

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
DBN_MAGIC = b"DBN"  # every DBN file (versions 1 to 3) starts with it, then its version byte
DATASET = "GLBX.MDP3"  # Databento's CME Globex dataset: the only one an ES month comes from
OBJECT_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-f]+>")
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


def _decoder_text(exc: BaseException) -> str:
    """The decoder's complaint without Python object addresses (``<_io.BytesIO object at 0x...>``)."""
    return OBJECT_REPR.sub("the data", str(exc))


def open_store(source: str | Path | bytes | BinaryIO, name: str | None = None,
               schema: str | None = None) -> tuple[db.DBNStore, np.ndarray]:
    """Decode a DBN file/bytes/stream (store + records), turning every decoder complaint into an error.

    With ``schema``, a file of another schema, or of several (a header naming none), is refused
    (rule ``schema``) before its records are decoded.
    """
    name = name or str(getattr(source, "name", source if isinstance(source, (str, Path)) else "<bytes>"))
    data = _decompress(_read_bytes(source, name), name)
    if not data:
        raise RawDataError(name, "empty file: no DBN metadata and no records", rule="empty_file")
    if not data.startswith(DBN_MAGIC):
        raise RawDataError(name, f"not a DBN file: it does not start with DBN's signature (it starts {data[:8]!r})",
                           rule="not_dbn")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            store = db.DBNStore.from_bytes(io.BytesIO(data))
            if schema is not None and store.schema != schema:
                found = store.schema or "several schemas (its header names none)"
                raise RawDataError(name, f"expected schema {schema}, found {found}", rule="schema")
            records = store.to_ndarray()  # decode now, so truncation and corruption surface here
    except RawDataError:
        raise
    except (Warning, Exception) as exc:
        raise RawDataError(name, f"not a readable DBN file ({_decoder_text(exc)})", rule="not_dbn") from None
    return store, records.reshape(-1)  # a header without records decodes to shape (0, 1)


def _outside_product(metadata: dbn.Metadata, symbols: list[str], root: str) -> str | None:
    """Why a file is not the configured product's (None if it is): Databento dataset and symbols' root."""
    if metadata.dataset != DATASET:
        return f"dataset {metadata.dataset}, expected {DATASET} (CME Globex futures)"
    parent = f"{root}.FUT"
    if metadata.stype_in == dbn.SType.PARENT:
        wrong = [s for s in symbols if s != parent]
    else:
        outright = outright_pattern(root)
        wrong = [s for s in symbols if not all(outright.match(part) for part in s.split("-"))]
    if wrong:
        return f"symbol(s) {', '.join(sorted(wrong)[:3])} are not {root} futures ({parent}, params/market.yaml)"
    return None


def check_product(store: db.DBNStore, name: str, root: str, symbols: list[str] | None = None) -> None:
    """Refuse a file of another dataset or product (an XNAS.ITCH or NQ.FUT file is not an ES month).

    ``symbols``: the raw symbols the file maps, for a request by raw symbol or instrument id;
    a parent request is checked by the parent symbol it names.
    """
    named = list(store.metadata.symbols) if store.metadata.stype_in == dbn.SType.PARENT else symbols or []
    problem = _outside_product(store.metadata, named, root)
    if problem:
        raise RawDataError(name, problem, rule="product")


def symbols_by_id(records: np.ndarray) -> dict[int, str]:
    """instrument_id -> raw symbol of decoded definition records (any DBN version)."""
    return dict(zip(records["instrument_id"].astype(int).tolist(),
                    np.char.decode(records["raw_symbol"], "ascii").tolist(), strict=True))


def _definition_symbols(definition: Path | bytes, name: str, root: str) -> dict[int, str]:
    store, records = open_store(definition, name, dbn.Schema.DEFINITION)
    symbols = symbols_by_id(records)
    check_product(store, name, root, sorted(set(symbols.values())))
    return symbols


def definition_path_for(path: str | Path) -> Path:
    """``X.ohlcv-1s.dbn.zst`` -> ``X.definition.dbn.zst``: the month's definitions stored beside it."""
    path = Path(path)
    return path.with_name(path.name.replace(".ohlcv-1s.", ".definition."))


def _mapped_symbols(store: db.DBNStore) -> dict[int, str]:
    return {
        int(interval["symbol"]): raw_symbol
        for raw_symbol, intervals in store.symbology["mappings"].items()
        for interval in intervals
        if interval["symbol"]
    }


def instrument_symbols(store: db.DBNStore, name: str, definition: Path | bytes | None,
                       definition_name: str, root: str) -> dict[int, str] | None:
    """instrument_id -> raw symbol from the file's mappings, else from its definition file.

    A definition file that is given is always read, so a broken one is an error even for a file
    that maps raw symbols itself; where both name an instrument they must agree. None when the
    file maps only its parent symbol and no definition file is given: the caller then names
    contracts by instrument id (``contracts.instrument_symbol``).
    """
    given = isinstance(definition, bytes) or (isinstance(definition, Path) and definition.exists())
    defined = _definition_symbols(definition, definition_name, root) if definition is not None and given else None
    if store.metadata.stype_in == dbn.SType.PARENT:
        return defined
    mapped = _mapped_symbols(store)
    check_product(store, name, root, sorted(set(mapped.values())))
    known = defined or {}
    differ = sorted(i for i, s in mapped.items() if known.get(i, s) != s)
    if differ:
        raise RawDataError(definition_name, f"instrument {differ[0]} is {known[differ[0]]} here but "
                           f"{mapped[differ[0]]} in {name} ({len(differ)} instrument(s) differ)", rule="symbology")
    return mapped


def read_raw(source: str | Path | bytes | BinaryIO, name: str | None = None,
             definition: Path | bytes | None = None, definition_name: str | None = None,
             root: str = "ES") -> pd.DataFrame:
    """Read an ohlcv-1s month: ts_event (UTC ns), instrument_id, symbol, OHLC (points), volume.

    ``definition`` (path or bytes, named ``definition_name`` in errors) resolves instrument ids when
    the file maps only its parent symbol; for a local path it defaults to the definition file stored
    beside it. Without one, ``symbol`` is the instrument id as text (``id:<instrument_id>``): the
    filter then tells contracts apart by id and spreads from outrights by price (``contracts``).
    A file of another dataset or root symbol than ``root`` futures is refused (rule ``product``).
    A price equal to Databento's undefined-price sentinel stays ``UNDEF_PRICE_POINTS``
    so validation can name it (rule ``undefined_price``).
    """
    name = name or str(source)
    if definition is None and isinstance(source, (str, Path)):
        definition = definition_path_for(source)
    if definition_name is None:
        definition_name = str(definition) if isinstance(definition, Path) else f"the definition file of {name}"
    store, records = open_store(source, name, dbn.Schema.OHLCV_1S)
    check_product(store, name, root)
    ids = records["instrument_id"].astype(np.int64)
    present, codes = np.unique(ids, return_inverse=True)
    symbols = instrument_symbols(store, name, definition, definition_name, root)
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
