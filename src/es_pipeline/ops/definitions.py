"""Download a month's Databento definition file into the raw location, beside its raw month.

Parent-symbology months map only ``ES.FUT``; the ``definition`` schema names each instrument.
This fetches it with Databento's own client, the API key read from ``DATABENTO_API_KEY`` and
never written anywhere, checks it decodes as definitions, then stores it under the name the
month list expects (``X.definition.dbn.zst`` beside ``X.ohlcv-1s.dbn.zst``). Afterwards
``es-pipeline months sync`` records it and ``dvc repro`` reruns that month's filter.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import databento_dbn as dbn

from es_pipeline.core.errors import PipelineError
from es_pipeline.core.periods import month_utc_range
from es_pipeline.filter.ingest import DATASET, definition_path_for, open_store
from es_pipeline.filter.storage import Location
from es_pipeline.ops.months import months_in

KEY_VARIABLE = "DATABENTO_API_KEY"


def download(month: str, parent: str, key: str, gateway: str | None = None) -> bytes:
    """The month's definitions of every instrument under ``parent``, as Databento sends them (DBN, zstd)."""
    import databento

    client = databento.Historical(key, **({"gateway": gateway} if gateway else {}))
    start, end = month_utc_range(month)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "definition.dbn.zst"
        try:
            client.timeseries.get_range(dataset=DATASET, symbols=parent, stype_in="parent",
                                        schema="definition", start=start, end=end, path=path)
        except (databento.BentoError, OSError) as exc:
            raise PipelineError(f"Databento definitions for {parent} month {month}: download failed "
                                f"({type(exc).__name__}: {str(exc).replace(key, '***')})") from None
        return path.read_bytes()


def fetch(month: str, location: Location, parent: str = "ES.FUT", gateway: str | None = None) -> str:
    """Download and store month ``month``'s definition file beside its raw object; returns its name."""
    key = os.environ.get(KEY_VARIABLE, "").strip()
    if not key:
        raise PipelineError(f"definitions fetch needs a Databento API key in the {KEY_VARIABLE} environment variable")
    entry = months_in(location.list()).get(month)
    if entry is None:
        raise PipelineError(f"month {month}: no raw *.ohlcv-1s.dbn.zst object for it at {location.url}")
    name = definition_path_for(entry.raw).name
    data = download(month, parent, key, gateway)
    store, records = open_store(data, location.describe(name))
    if store.schema != dbn.Schema.DEFINITION or len(records) == 0:
        raise PipelineError(f"{location.describe(name)}: month {month}: Databento sent {len(records)} "
                            f"record(s) of schema {store.schema}, expected definitions; nothing stored")
    location.write_bytes(name, data)
    return name
