"""The featurize step (SPEC 7): the 43 engineered features, one module per SPEC group.

``frame.compute_features`` puts the groups together; each group module (volume, price_context,
consolidation, returns, volatility, microstructure, time_of_day) has the same shape: ``NAMES``,
``compute`` and ``warmup``. Nothing is imported here, so that loading the step's parameters
(``features.params``) stays light.
"""
