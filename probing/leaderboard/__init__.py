"""Leaderboard: requests in, reference results out, tables and a static site from them.

- :mod:`.submissions`: evaluation requests (a model, a revision, prompts), filed and read as untrusted input.
- :mod:`.inputs`: size-limited, strict reading of untrusted JSON.
- :mod:`.evaluate`: runs each pending request with the reference extraction and probes.
- :mod:`.tables`: results files read and checked; ranked tables, Markdown and PNG.
- :mod:`.site`: the static ``index.html``.
- :mod:`.hub_repos`: requests and results folders mirrored in Hub dataset repos.
- :mod:`.cli`: ``spacetime submit``, ``evaluate`` and ``leaderboard``.
"""
