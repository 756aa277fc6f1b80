"""Long work shows progress in a log too, not only on a terminal; the libraries' own bars stay off."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys

from spacetime.progress import LIBRARY_PROGRESS_ENV, LoggedProgress, progress_bar


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


LIBRARY_BARS = (
    "Creating parquet",
    "Calculating Metrics",
    "Loading weights",
)  # datasets, Great Expectations, transformers


def _spacetime(*args: str, env: dict[str, str]) -> str:
    """``spacetime ARGS`` in a fresh process (the libraries read their switches on import); stdout and stderr."""
    done = subprocess.run(
        [sys.executable, "-c", "from spacetime.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


def test_the_libraries_own_bars_stay_off_and_ours_stay_on(sample_release, tmp_path):
    from tests.tiny import tiny_model, tiny_tokenizer

    root = tmp_path / "out"
    shutil.copytree(sample_release / "build", root / "build")
    model = tmp_path / "tiny-llama"
    tok = tiny_tokenizer(bos=True)
    tiny_model("llama", len(tok), seed=1).save_pretrained(model)
    tok.save_pretrained(model)
    env = {k: v for k, v in os.environ.items() if k not in LIBRARY_PROGRESS_ENV}  # as a user's shell has it

    outputs = {
        "package": _spacetime("package", "--out", str(root), env=env),
        "validate": _spacetime("validate", "--out", str(root), env=env),
        "activations": _spacetime(
            "activations", "--model", str(model), "nyc_places", "--layers", "0",
            "--device", "cpu", "--out", str(root), env=env,
        ),
    }  # fmt: skip
    shown = {stage: [bar for bar in LIBRARY_BARS if bar in text] for stage, text in outputs.items()}
    assert shown == {stage: [] for stage in outputs}, outputs
    assert "spacetime.progress: nyc_places/" in outputs["activations"]  # our own bar, as log lines here
