"""Activation datasets as Hub artifacts: one model's activation folders packaged as a Hub dataset repo
(``release.py``, ``card.py``), read back aligned with the entity dataset (``load.py``) and published resumably
(``publish.py``); ``spacetime package-activations`` and ``publish-activations`` (``cli.py``).

Imports from :mod:`spacetime.probing.extraction` and :mod:`spacetime.probing.probes`, never from the leaderboard.
"""
