"""probing stage: four rooms, in the order the data flows (a room imports only from the rooms before it; a test in
tests/probing/test_rooms.py holds that).

- :mod:`.extraction`: prompts, models, the forward pass with hooks, the activation store and the static-embedding
  baseline; ``spacetime activations`` (``extraction/cli.py``).
- :mod:`.artifacts`: activation releases: a model's activations as a Hub dataset (Parquet per dataset, prompt and
  layer), its card, its loader and its resumable publish; ``spacetime package-activations``, ``publish-activations``.
- :mod:`.probes`: ridge probes per layer, the metric registry, bootstrap intervals, robustness checks, plots and
  reports; ``spacetime probe`` (``probes/cli.py``).
- :mod:`.leaderboard`: requests, their evaluation by the reference implementation, results tables and the static
  site; ``spacetime submit``, ``evaluate`` and ``leaderboard`` (``leaderboard/cli.py``).

Tiny test models live in tests/tiny.py; nothing for tests is in the package.
"""
