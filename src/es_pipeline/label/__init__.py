"""The label step (SPEC 6): stop/target outcomes of each trade mode and their sample weights."""
