"""Operations around the pipeline: the month list, pruning, definitions, verify, demo, parallel runs, warm kernels,
fingerprints."""
