"""Model step: one baseline XGBoost classifier per trade mode, the yardstick experiments are scored by (SPEC 8a)."""
