"""Probes: ridge regressions per layer on stored activations, scored on the fixed test split.

- :mod:`.ridge`: ridge with closed-form leave-one-out over an alpha grid (one eigendecomposition per layer).
- :mod:`.metrics`: the metric registry and the scorer.
- :mod:`.bootstrap`: bootstrap intervals and paired differences.
- :mod:`.robustness`: MLP, PCA, block hold-out and neuron checks.
- :mod:`.run`: the probe stage (alignment, sweep, results JSON, predictions).
- :mod:`.plots`: R^2 by layer, maps and years plots, the report.
- :mod:`.cli`: ``spacetime probe``.
"""
