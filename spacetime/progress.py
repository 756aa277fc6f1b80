"""Progress for long work, with or without a terminal.

On a terminal it is a tqdm bar. Without one (CI logs, ``nohup``, a pipe) tqdm would print nothing or a stream of
carriage returns; there the same bar writes one plain log line every ``LINE_INTERVAL`` seconds and a last one when
it closes, on the ``spacetime.progress`` logger, which the CLI shows at its default level.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from tqdm.auto import tqdm

LINE_INTERVAL = 15.0  # seconds between progress lines in a log
log = logging.getLogger("spacetime.progress")


class LoggedProgress(tqdm):
    """A tqdm bar that logs plain lines instead of redrawing a terminal line (tqdm's documented ``display`` hook)."""

    def display(self, msg: str | None = None, pos: int | None = None) -> bool:
        if msg is None and (self.n or self.total):
            log.info("%s", self.format_meter(**self.format_dict).strip())
        return True


def progress_bar(*, enabled: bool = True, **options: Any) -> tqdm:
    """A progress bar over ``options`` (tqdm's: ``total``, ``desc``, ``unit``...), shown only when ``enabled``."""
    if not enabled:
        return tqdm(disable=True, **options)
    if sys.stderr.isatty():
        return tqdm(**options)
    options.setdefault("mininterval", LINE_INTERVAL)
    options.setdefault("maxinterval", LINE_INTERVAL * 4)
    return LoggedProgress(file=sys.stderr, **options)
