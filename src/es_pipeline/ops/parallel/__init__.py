"""Parallel ``repro`` of the per-month stages on Dask, with DVC as the source of truth."""
