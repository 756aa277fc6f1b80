"""The web leaderboard: overall scores, a page that stays small with many entries, sorting and filtering in a real
browser, and files copied into the site only when they are regular files inside the results folder.

The results folders here are synthetic (valid results files written by :func:`write_entry`, no model run), so fifty
entries take a second; tests/probing/leaderboard/test_leaderboard.py renders real SmolLM2 results.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from spacetime.probing.leaderboard.inputs import InputError
from spacetime.probing.leaderboard.overall import overall_tables
from spacetime.probing.leaderboard.site import copy_regular_file, render_site
from spacetime.probing.leaderboard.tables import build_tables
from spacetime.probing.probes.bootstrap import interval

DATASETS = ("world_places", "us_places", "nyc_places", "historical_figures", "art_entertainment", "headlines")
RESAMPLES = 40
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c49444154789c63382127070002b6010534a6"
    "75aa0000000049454e44ae426082"
)  # a 1x1 PNG


def _replicates(value: float, spread: float, seed: int) -> list[float]:
    noise = np.random.default_rng(seed).normal(0, spread, RESAMPLES // 2)
    return [float(v) for v in value + np.concatenate([noise, -noise])]  # symmetric: the point lies inside


def _scored(value: float, replicates: list[float] | None = None) -> dict:
    ci = list(interval(np.array(replicates))) if replicates else [value - 0.1, value + 0.1]
    return {"value": value, "stderr": 0.01, "ci": ci}


def write_entry(
    folder: Path,
    model: str,
    r2: float | dict[str, float],
    kind: str = "model",
    params: int | None = None,
    datasets: tuple[str, ...] = DATASETS,
    seed: int = 0,
    plots: bool = True,
    meaning: dict | None = None,
) -> Path:
    """A valid results file (and a plots folder of tiny PNGs) for ``model``: test R^2 ``r2`` on each dataset (the
    same bootstrap seed and test entities for every entry, so entries pair)."""
    sha = hashlib.sha256(f"{model}:{kind}".encode()).hexdigest()[:40]
    results = {}
    for i, dataset in enumerate(datasets):
        value = r2[dataset] if isinstance(r2, dict) else r2
        reps = _replicates(value, 0.02, seed * 100 + i)
        entry = {"best_layer": 1, "test_rows": 50, "per_layer": []}
        for layer, offset in ((0, -0.2), (1, 0.0), (2, -0.1)):
            entry["per_layer"].append({"layer": layer, "r2,test": value + offset, "loo_mse": 1.0 - offset})
        for metric, point, replicates in (("r2", value, reps), ("spearman", 0.5, None), ("mae", 10.0, None)):
            scored = _scored(point, replicates)
            entry |= {f"{metric},test": point, f"{metric}_stderr,test": 0.01, f"{metric}_ci,test": scored["ci"]}
        entry["bootstrap"] = {
            "resamples": RESAMPLES,
            "seed": 0,
            "entities_sha256": "e" * 64,
            "replicates": {"r2": reps},
        }
        results[dataset] = entry | (meaning or {})
    config = {
        "model_name": model,
        "model_sha": sha,
        "model_dtype": "bfloat16",
        "base_model": "" if kind == "lexical_floor" else model,
        "kind": kind,
        "num_layers": 3,
        "dataset_repo": "llm-spacetime/llm-spacetime",
        "dataset_revision": "data-sha256:" + "d" * 64,
    }
    if params is not None:
        config["num_parameters"] = params
    path = folder / model / f"results_{sha[:12]}_bfloat16.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"format": "llm-spacetime-results/1", "config": config, "results": results}))
    if plots:
        plots_dir = path.parent / f"plots_{sha[:12]}_bfloat16"
        plots_dir.mkdir()
        for dataset in datasets:
            (plots_dir / f"{dataset}_map.png").write_bytes(PNG)
    return path


# --- the overall score ----------------------------------------------------------------------------------------------


def test_the_overall_score_is_the_mean_over_datasets_with_a_paired_bootstrap_interval(tmp_path):
    two = ("world_places", "historical_figures")
    write_entry(tmp_path, "org/good", {"world_places": 0.8, "historical_figures": 0.4}, datasets=two, seed=1)
    write_entry(tmp_path, "org/twin", {"world_places": 0.79, "historical_figures": 0.4}, datasets=two, seed=3)
    write_entry(tmp_path, "org/bad", 0.1, datasets=two, seed=2)
    (board,) = overall_tables(build_tables(tmp_path))
    good, twin, bad = board.entries
    assert [e.model for e in board.entries] == ["org/good", "org/twin", "org/bad"]
    assert good.score == pytest.approx(0.6) and bad.score == pytest.approx(0.1)
    # replicate r of the overall score is the mean of the datasets' replicates r
    world = np.array(_replicates(0.8, 0.02, 100))
    history = np.array(_replicates(0.4, 0.02, 101))
    assert good.ci == pytest.approx(interval((world + history) / 2))
    assert good.ci[0] < good.score < good.ci[1]
    # paired: the twin (its own noise on the same resamples) differs by 0.005, the bad entry by 0.5
    assert twin.rank == 2 and twin.separated_from_above is False
    assert bad.rank == 3 and bad.separated_from_above is True


def test_an_entry_missing_a_dataset_gets_no_overall_score_and_no_rank(tmp_path):
    write_entry(tmp_path, "org/full", 0.3, datasets=("world_places", "headlines"))
    write_entry(tmp_path, "org/easy-only", 0.9, datasets=("world_places",))  # would top a mean over its datasets
    (board,) = overall_tables(build_tables(tmp_path))
    full, partial = board.entries
    assert (full.model, full.rank, full.score) == ("org/full", 1, pytest.approx(0.3))
    assert (partial.model, partial.rank, partial.score, partial.ci) == ("org/easy-only", None, None, None)
    assert partial.missing == ["headlines"] and partial.scores == {"world_places": pytest.approx(0.9)}
    page = render_site(tmp_path, tmp_path / "site").read_text()
    assert "1 of 2 datasets" in page


# --- what a score means, and size ----------------------------------------------------------------------------------

HOSTILE = "<img src=x onerror=alert(1)>"


def test_the_page_shows_the_lexical_difference_strata_generalisation_worst_entities_and_predictions(tmp_path):
    strata = [
        {"stratum": f"q{q}", "measure": "page_views", "range": [10 * q, 10 * q + 9], "rows": 10, "r2": 0.1 * q,
         "r2_ci": [0.1 * q - 0.05, 0.1 * q + 0.05]}
        for q in range(1, 6)
    ]  # fmt: skip
    meaning = {
        "strata,test": strata,
        "r2,block_holdout": 0.345,
        "r2_ci,block_holdout": [0.3, 0.4],
        "block_column": "country",
        "worst,test": [{"entity_id": "Q1", "name": HOSTILE, "error": 12345.6}],
    }
    path = write_entry(tmp_path, "org/model", 0.6, datasets=("world_places",), meaning=meaning, params=135_000_000)
    predictions = path.parent / f"predictions_{path.stem.removeprefix('results_')}" / "world_places.parquet"
    predictions.parent.mkdir()
    predictions.write_bytes(b"PAR1 stand-in")
    data = json.loads(path.read_text())
    data["results"]["world_places"]["predictions"] = predictions.relative_to(path.parent).as_posix()
    path.write_text(json.dumps(data))
    write_entry(tmp_path, "llm-spacetime/lexical-floor", 0.2, kind="lexical_floor", datasets=("world_places",))

    index = render_site(tmp_path, tmp_path / "site")
    page = index.read_text()
    assert "R² − lexical" in page and ">+0.400<" in page  # 0.6 - 0.2, paired
    assert "0.100 · 0.200 · 0.300 · 0.400 · 0.500" in page  # R^2 by popularity quintile, least popular first
    assert "R² by popularity (page_views)" in page and "q5, 50 – 59, 10 rows: 0.500" in page
    assert ">0.345<" in page and "by country" in page
    assert "error in km" in page and "12,346" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and HOSTILE not in page
    (copied,) = (tmp_path / "site" / "files").glob("*/world_places.parquet")
    assert copied.read_bytes() == b"PAR1 stand-in"
    assert f'href="files/{copied.parent.name}/world_places.parquet"' in page
    assert ">135M<" in page


def test_r2_against_parameters_is_plotted_for_models_only_on_a_log_axis(tmp_path):
    one = ("world_places",)
    write_entry(tmp_path, "org/small", 0.3, params=100_000_000, datasets=one)
    write_entry(tmp_path, "org/large", 0.6, params=10_000_000_000, datasets=one)
    write_entry(tmp_path, "org/large-random-init-seed0", 0.0, kind="random_init", params=10**10, datasets=one)
    write_entry(tmp_path, "other/unsized", 0.5, datasets=one)
    index = render_site(tmp_path, tmp_path / "site")
    assert 'src="plots/size-t0-world_places.svg"' in index.read_text()
    svg = (tmp_path / "site" / "plots" / "size-t0-world_places.svg").read_text()
    assert svg.count("<circle") == 2 + 1  # two sized models, and the legend's one family
    assert ">small<" in svg and ">large<" in svg and "random-init" not in svg and "unsized" not in svg
    ticks = [label for label in ("10M", "100M", "1B", "10B", "100B") if f">{label}<" in svg]
    assert ticks == ["10M", "100M", "1B", "10B", "100B"]  # one tick per decade
    cx = {m: float(svg.split(f">{m}<")[0].rsplit('cx="', 1)[1].split('"')[0]) for m in ("small", "large")}
    tick = {t: float(svg.split(f">{t}<")[0].rsplit('x="', 1)[1].split('"')[0]) for t in ("100M", "10B")}
    assert [cx["small"], cx["large"]] == pytest.approx([tick["100M"], tick["10B"]], abs=0.2)  # on their decades
    assert ">100M<" in index.read_text() and ">10B<" in index.read_text()  # the params column


# --- files copied into the site -------------------------------------------------------------------------------------


def test_site_files_are_copied_only_when_regular_and_inside_the_results_folder(tmp_path):
    results = tmp_path / "results"
    path = write_entry(results, "org/model", 0.5, datasets=("world_places",))
    plot = next(path.parent.glob("plots_*")) / "world_places_map.png"
    index = render_site(results, tmp_path / "site")
    copied = list((tmp_path / "site" / "plots").glob("*/world_places_map.png"))
    assert len(copied) == 1 and copied[0].read_bytes() == PNG
    assert f'src="plots/{copied[0].parent.name}/world_places_map.png"' in index.read_text()

    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not for the site")
    plot.unlink()
    plot.symlink_to(secret)  # a symlink out of the results folder
    with pytest.raises(InputError, match="world_places_map.png: leads out of the results folder"):
        render_site(results, tmp_path / "site")
    inside = plot.parent / "elsewhere.bin"
    inside.write_bytes(PNG)
    plot.unlink()
    plot.symlink_to(inside)  # a symlink that stays inside is not followed either
    with pytest.raises(InputError, match="world_places_map.png: cannot be copied into the site"):
        render_site(results, tmp_path / "site")
    plot.unlink()
    os.mkfifo(plot)  # a FIFO: not a regular file (and opening it must not wait for a writer)
    with pytest.raises(InputError, match="world_places_map.png: not a regular file"):
        render_site(results, tmp_path / "site")
    plot.unlink()
    folder = plot.parent
    shutil.rmtree(folder)
    outside = tmp_path / "outside_plots"
    outside.mkdir()
    (outside / "world_places_map.png").write_bytes(b"not for the site")
    folder.symlink_to(outside)  # the plots folder itself is a symlink out
    with pytest.raises(InputError, match="leads out of the results folder"):
        render_site(results, tmp_path / "site")
    assert not any((tmp_path / "site").rglob("*.png"))  # nothing of the refused files reached the site


def test_a_rebuild_replaces_the_sites_own_folders_and_leaves_anyone_elses(tmp_path):
    results = tmp_path / "results"
    write_entry(results, "org/old", 0.5, datasets=("world_places",))
    render_site(results, tmp_path / "site")
    shutil.rmtree(results / "org" / "old")
    write_entry(results, "org/new", 0.5, datasets=("world_places",))
    render_site(results, tmp_path / "site")
    folders = [p.parent.name.rsplit("-", 1)[0] for p in (tmp_path / "site" / "plots").glob("*/*.png")]
    assert folders == ["org-new"]  # nothing of the removed entry stays
    theirs = tmp_path / "elsewhere" / "plots" / "keep.png"
    theirs.parent.mkdir(parents=True)
    theirs.write_bytes(PNG)
    with pytest.raises(InputError, match="plots: exists and was not written by `spacetime leaderboard`"):
        render_site(results, tmp_path / "elsewhere")
    assert theirs.read_bytes() == PNG


def test_a_copy_refuses_a_file_over_the_size_limit(tmp_path):
    (tmp_path / "big.png").write_bytes(b"x" * 100)
    with pytest.raises(InputError, match="100 bytes, over the limit of 99"):
        copy_regular_file(tmp_path / "big.png", tmp_path, tmp_path / "out" / "big.png", max_bytes=99)


# --- fifty entries in a real browser -------------------------------------------------------------------------------


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Chromium:
    """Headless Chromium driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``: the browser reads
    commands on fd 3 and writes replies and events on fd 4, JSON messages ending in NUL), so a test can click and read
    the page with the standard library alone."""

    def __init__(self, profile: Path) -> None:
        to_browser_r, self._to_browser = map(_high, os.pipe())
        self._from_browser, from_browser_w = map(_high, os.pipe())
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}",
                "--remote-debugging-pipe", "about:blank"]  # fmt: skip
        self.process = subprocess.Popen(
            ["bash", "-c", f'exec "$0" "$@" 3<&{to_browser_r} 4>&{from_browser_w}', _chromium(), *args],
            pass_fds=(to_browser_r, from_browser_w),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._id = 0
        self.events: list[dict] = []

    def call(self, method: str, session: str | None = None, **params) -> dict:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params} | ({"sessionId": session} if session else {})
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + 60
        while True:
            reply = self._next(deadline)
            if reply.get("id") == self._id:
                assert "error" not in reply, (method, reply["error"])
                return reply.get("result", {})
            self.events.append(reply)

    def _next(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._from_browser], [], [], max(0.0, deadline - time.monotonic()))
            assert ready, "chromium did not answer"
            chunk = os.read(self._from_browser, 1 << 16)
            assert chunk, "chromium closed the pipe"
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def open(self, url: str) -> str:
        """A new tab at ``url``, once the page's script has run to its end; returns the tab's session."""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for method in ("Runtime.enable", "Log.enable", "Page.enable"):
            self.call(method, session)
        self.call("Page.navigate", session, url=url)
        self.wait(session, "document.readyState === 'complete' && document.body.getAttribute('data-ready') !== null")
        return session

    def evaluate(self, session: str, expression: str):
        result = self.call("Runtime.evaluate", session, expression=expression, returnByValue=True)
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def wait(self, session: str, condition: str) -> None:
        deadline = time.monotonic() + 60  # a safety net, not a timing: the condition is what the test checks
        while not self.evaluate(session, condition):
            assert time.monotonic() < deadline, f"never true: {condition}"
            time.sleep(0.05)

    def problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions and browser log entries (CSP violations among them)."""
        out = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
                out.append(f"console: {params.get('args')}")
            elif method == "Runtime.exceptionThrown":
                out.append(f"exception: {params.get('exceptionDetails')}")
            elif method == "Log.entryAdded" and params["entry"].get("level") in ("error", "warning"):
                out.append(f"log: {params['entry'].get('text')}")
        return out

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except AssertionError:
            pass  # the browser may close the pipe before it answers
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


def _high(fd: int) -> int:
    """``fd`` moved above 9, so that the redirections to fds 3 and 4 cannot overwrite one another."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


@pytest.fixture
def chromium(tmp_path):
    browser = Chromium(tmp_path / "profile")
    yield browser
    browser.close()


FAMILIES = ("alpha", "beta", "gamma", "delta", "epsilon")


@pytest.fixture
def fifty(tmp_path):
    """Fifty entries of five families: 45 models of 10M to 100B parameters, and five random-init controls."""
    results = tmp_path / "results"
    for i in range(50):
        family = FAMILIES[i % 5]
        kind = "random_init" if i % 10 == 9 else "model"
        params = int(10 ** (7 + 4 * i / 49)) if kind == "model" else None
        write_entry(results, f"{family}/model-{i:02d}", 0.2 + 0.6 * i / 49, kind=kind, params=params, seed=i)
    return results


@pytest.mark.browser
@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed (apt-get install chromium)")
def test_fifty_entries_make_a_small_page_that_sorts_and_filters_in_chromium(fifty, tmp_path, chromium):
    index = render_site(fifty, tmp_path / "site")
    size = index.stat().st_size
    assert size < 1_000_000 and size / 50 < 12_000, size  # kilobytes per entry: no image is inside the page
    page = index.read_text()
    assert "data:image" not in page and page.count('loading="lazy"') >= 300  # 50 entries x 6 maps, and the curves
    assert len(list((tmp_path / "site" / "plots").glob("*/*_map.png"))) == 300
    assert len(list((tmp_path / "site" / "plots").glob("size-*.svg"))) == 6

    tab = chromium.open(index.as_uri())
    rows = "document.querySelectorAll('table.board > tbody > tr.entry')"
    shown = f"Array.prototype.filter.call({rows}, r => !r.hidden).length"
    assert chromium.evaluate(tab, f"{rows}.length") == 7 * 50  # the overall table and six datasets
    assert chromium.evaluate(tab, shown) == 350

    # filter by family, then by size (millions of parameters): the page's own handlers, driven by input events
    chromium.evaluate(
        tab, "var f = document.getElementById('filter-family'); f.value = 'beta'; f.dispatchEvent(new Event('change'))"
    )
    families = f"Array.from({rows}).filter(r => !r.hidden).map(r => r.dataset.family)"
    assert set(chromium.evaluate(tab, families)) == {"beta"}
    assert chromium.evaluate(tab, "document.querySelectorAll('tr.more:not([hidden])').length") == 6 * 10
    assert chromium.evaluate(tab, shown) == 7 * 10
    chromium.evaluate(
        tab,
        "var lo = document.getElementById('filter-min'); lo.value = '1000'; lo.dispatchEvent(new Event('input'));"
        "var hi = document.getElementById('filter-max'); hi.value = '20000'; hi.dispatchEvent(new Event('input'))",
    )
    params = f"Array.from({rows}).filter(r => !r.hidden).map(r => Number(r.dataset.params))"
    sizes = chromium.evaluate(tab, params)
    expected = [i for i in range(1, 50, 5) if i % 10 != 9 and 1e9 <= int(10 ** (7 + 4 * i / 49)) <= 2e10]
    assert sizes and len(sizes) == 7 * len(expected) and all(1e9 <= s <= 2e10 for s in sizes)
    assert chromium.evaluate(tab, "document.getElementById('filter-count').textContent") == (
        f"showing {7 * len(expected)} of 350 rows"
    )

    # sort the first dataset's table by parameters with a click on its header (largest first), again: reversed
    table = "document.querySelector('section[id^=t0-] table.board')"
    header = f"Array.from({table}.tHead.rows[0].cells).find(c => c.textContent === 'params')"
    entries = f"Array.from({table}.querySelectorAll('tr.entry'))"
    order = f"{entries}.map(r => r.cells[2].getAttribute('data-sort'))"
    for direction in ("descending", "ascending"):
        chromium.evaluate(tab, f"{header}.click()")
        values = chromium.evaluate(tab, order)
        known = [float(v) for v in values if v]
        assert known == sorted(known, reverse=direction == "descending") and len(known) == 45
        assert values[-5:] == [""] * 5  # the controls' unknown sizes last, either way
        assert chromium.evaluate(tab, f"{header}.getAttribute('aria-sort')") == direction

    # a map is fetched once its entry's details are opened
    assert chromium.evaluate(tab, f"{entries}.every(r => r.nextElementSibling.className === 'more')")  # moved along
    row = f"{entries}.find(r => !r.hidden).nextElementSibling"
    image = f"{row}.querySelector('details img')"
    assert not chromium.evaluate(tab, f"{image}.complete")  # lazy: not fetched while its details are closed
    chromium.evaluate(tab, f"{row}.querySelector('details summary').click()")
    chromium.wait(tab, f"{image}.complete && {image}.naturalWidth === 1")
    assert not chromium.problems(), chromium.problems()
