"""Long work shows progress in a log too, not only on a terminal."""

from __future__ import annotations

import logging

from spacetime.progress import LoggedProgress, progress_bar


def test_without_a_terminal_progress_is_logged_as_plain_lines(caplog, capsys):
    caplog.set_level(logging.INFO, logger="spacetime.progress")
    with progress_bar(total=3, desc="rows", unit="row", mininterval=0, maxinterval=0) as bar:  # stderr is captured
        assert isinstance(bar, LoggedProgress)
        for _ in range(3):
            bar.update(1)
    lines = [r.getMessage() for r in caplog.records if r.name == "spacetime.progress"]
    assert lines and lines[-1].startswith("rows: 100%") and "3/3" in lines[-1]
    assert "\r" not in capsys.readouterr().err  # no terminal redraws in the log


def test_disabled_progress_says_nothing(caplog):
    caplog.set_level(logging.INFO, logger="spacetime.progress")
    with progress_bar(enabled=False, total=2, desc="rows") as bar:
        bar.update(2)
    assert not [r for r in caplog.records if r.name == "spacetime.progress"]
