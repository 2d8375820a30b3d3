"""The filter step (SPEC 5): a raw Databento month to the gap-filled 1-second session grid."""
