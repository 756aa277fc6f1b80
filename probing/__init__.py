"""probing stage: three rooms, in the order the data flows (a room imports only from the rooms before it).

- :mod:`.extraction`: prompts, models, the forward pass with hooks, the activation store and the static-embedding
  baseline; ``spacetime activations`` (``extraction/cli.py``).
- :mod:`.probes`: ridge probes per layer, the metric registry, bootstrap intervals, robustness checks, plots and
  reports; ``spacetime probe`` (``probes/cli.py``).
- :mod:`.leaderboard`: requests, their evaluation by the reference implementation, results tables and the static
  site; ``spacetime submit``, ``evaluate`` and ``leaderboard`` (``leaderboard/cli.py``).

Tiny test models live in tests/tiny.py; nothing for tests is in the package.
"""
