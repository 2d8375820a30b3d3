"""es-pipeline: Databento ES 1-second bars to an ML dataset."""
