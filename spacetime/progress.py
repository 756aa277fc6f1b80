"""Progress for long work, with or without a terminal.

On a terminal it is a tqdm bar. Without one (CI logs, ``nohup``, a pipe) tqdm would print nothing or a stream of
carriage returns; there the same bar writes one plain log line every ``LINE_INTERVAL`` seconds and a last one when
it closes, on the ``spacetime.progress`` logger, which the CLI shows at its default level.

The libraries draw bars of their own (``datasets`` writing Parquet, transformers loading weights, the Hub's
transfers); :func:`quiet_library_progress` turns those off, so that what a run shows is ours alone. Great
Expectations takes its setting per data context (``validation/report.py``).
"""

from __future__ import annotations

import io
import logging
import os
import sys
from typing import Any

from tqdm.auto import tqdm

LINE_INTERVAL = 15.0  # seconds between progress lines in a log
log = logging.getLogger("spacetime.progress")

# The libraries' documented switches, read when each is imported (and inherited by the processes we start):
# datasets' own bars ("Creating parquet from Arrow format"), and huggingface_hub's, which transformers follows
# ("Loading weights", "Writing model shards") as do the Hub's downloads and uploads.
LIBRARY_PROGRESS_ENV = {"HF_DATASETS_DISABLE_PROGRESS_BARS": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1"}


class _Discard(io.TextIOBase):
    """Where a logged bar's own writes go (tqdm still writes a newline when a bar closes): nowhere."""

    def write(self, text: str) -> int:
        return len(text)


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
    return LoggedProgress(file=_Discard(), **options)


def quiet_library_progress() -> None:
    """Turn off the libraries' own progress bars (ours stay); the CLI calls it once, before any stage runs.

    Through their environment switches, so no library is imported for it (importing datasets and transformers
    takes seconds); one already imported is told through its function as well. A switch set in the environment
    already (``=0`` to see a library's bars) is left as it is.
    """
    for name, value in LIBRARY_PROGRESS_ENV.items():
        os.environ.setdefault(name, value)
    if "datasets" in sys.modules:
        from datasets.utils import disable_progress_bars as disable_datasets_bars

        disable_datasets_bars()
    if "huggingface_hub" in sys.modules:
        from huggingface_hub.utils import disable_progress_bars as disable_hub_bars

        disable_hub_bars()
    if "transformers" in sys.modules:
        from transformers.utils.logging import disable_progress_bar as disable_transformers_bars

        disable_transformers_bars()
