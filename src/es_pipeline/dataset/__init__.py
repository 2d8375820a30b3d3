"""The dataset step (SPEC 8): one Hive partition per month, and the time decay joined when it is read."""
