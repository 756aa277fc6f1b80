"""How fast the pageview dump reader is, next to ``bzip2 -dc file > /dev/null`` on the same file.

The file is a synthetic monthly ``pageview_complete`` dump (made once per size and cached in ``workdir``): several
wikis in the dump's order, Zipf-like monthly totals, one line per (title, access type), daily counts in the dump's
letter encoding, compressed as independent bzip2 streams like the real multi-stream files.
"""

from __future__ import annotations

import bz2
import random
import shutil
import string
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from spacetime.common import write_atomic
from spacetime.pipelines.sources.pageviews import ACCESS_TYPES, DumpParser, default_threads, usable_cpus

# (wiki, share of lines); en.wikipedia is the largest, as in the real dumps
WIKIS = [
    ("commons.wikimedia", 0.05),
    ("de.wikipedia", 0.12),
    ("en.wikipedia", 0.40),
    ("en.wiktionary", 0.05),
    ("es.wikipedia", 0.08),
    ("fr.wikipedia", 0.10),
    ("ja.wikipedia", 0.10),
    ("ru.wikipedia", 0.10),
]
LINES_PER_STREAM = 100_000
GENERATOR_VERSION = 1  # bump when the synthetic format changes, so cached files are remade


def synthetic_dump_path(workdir: Path, lines: int) -> Path:
    return workdir / f"pageviews-synthetic-{lines}-v{GENERATOR_VERSION}.bz2"


def _daily_counts(total: int, rng: random.Random) -> str:
    """The monthly total spread over some days of a 30-day month: ``A12C3`` = 12 views on day 1, 3 on day 3."""
    days = sorted(rng.sample(range(30), min(30, 1 + total // 4)))
    counts = [0] * len(days)
    for _ in range(min(total, 200)):
        counts[rng.randrange(len(days))] += 1
    counts[-1] += total - sum(counts)
    return (
        "".join(
            f"{string.ascii_uppercase[d] if d < 26 else string.ascii_lowercase[d - 26]}{c}"
            for d, c in zip(days, counts)
            if c
        )
        or f"A{total}"
    )


def synthetic_lines(lines: int, seed: int = 0) -> list[str]:
    """Exactly ``lines`` dump lines (with newlines), wikis in the dump's order, titles sorted within a wiki."""
    rng = random.Random(seed)
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 10))).capitalize() for _ in range(30_000)]
    out: list[str] = []
    for index, (wiki, share) in enumerate(WIKIS):
        quota = lines - len(out) if index == len(WIKIS) - 1 else round(lines * share)
        titles = sorted({"_".join(rng.choices(words, k=rng.choice((1, 1, 2, 2, 3)))) for _ in range(quota)})
        wiki_lines: list[str] = []
        for title in titles:
            page_id = "null" if rng.random() < 0.02 else str(rng.randint(1, 75_000_000))
            for access in ACCESS_TYPES:
                if len(wiki_lines) == quota:
                    break
                if rng.random() < 0.6:
                    total = int(rng.paretovariate(1.1))
                    wiki_lines.append(f"{wiki} {title} {page_id} {access} {total} {_daily_counts(total, rng)}\n")
        out.extend(wiki_lines)
    while len(out) < lines:  # titles ran out in some wiki (tiny sizes)
        out.append(f"en.wikipedia Filler_{len(out)} null desktop 1 A1\n")
    return out


def write_synthetic_dump(path: Path, lines: int, seed: int = 0) -> Path:
    """Write the file unless it is already there; the streams are compressed on every core."""
    if path.exists():
        return path
    text = synthetic_lines(lines, seed)
    parts = ["".join(text[i : i + LINES_PER_STREAM]).encode() for i in range(0, len(text), LINES_PER_STREAM)]
    with ThreadPoolExecutor(max_workers=usable_cpus()) as pool:  # bz2 releases the GIL
        streams = list(pool.map(lambda part: bz2.compress(part, 9), parts))
    write_atomic(path, b"".join(streams))
    return path


def _time_bzip2(path: Path) -> float:
    bzip2 = shutil.which("bzip2")
    if bzip2 is None:
        raise RuntimeError("the benchmark compares with the `bzip2` program, which is not installed")
    start = time.perf_counter()
    subprocess.run([bzip2, "-dc", str(path)], stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def _time_reader(path: Path, wanted: set[bytes] | None) -> tuple[float, dict[bytes, int], Any]:
    totals: dict[bytes, int] = {}
    start = time.perf_counter()
    stats = DumpParser("en.wikipedia", wanted, totals).parse_file(path)
    return time.perf_counter() - start, totals, stats


def dump_reader_benchmark(
    workdir: Path, lines: int = 2_000_000, repeats: int = 3, wanted_titles: int = 20_000
) -> dict[str, Any]:
    """Best-of-``repeats`` seconds for ``bzip2 -dc`` and for the reader (en.wikipedia, ``wanted_titles`` titles
    wanted, as a dataset build asks) on one synthetic dump; ``ratio`` = bzip2 seconds / reader seconds."""
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    workdir = Path(workdir)
    made = time.perf_counter()
    path = write_synthetic_dump(synthetic_dump_path(workdir, lines), lines)
    made = time.perf_counter() - made
    path.read_bytes()  # warm the page cache for both contestants

    # One pass with no title filter finds the en.wikipedia titles; a spread-out subset of them is "wanted".
    all_seconds, everything, stats = _time_reader(path, None)
    step = max(1, len(everything) // max(1, wanted_titles))
    wanted = set(list(everything)[::step][:wanted_titles])
    bzip2_times, reader_times, all_times = [], [], [all_seconds]
    for _ in range(repeats):
        bzip2_times.append(_time_bzip2(path))
        seconds, found, _ = _time_reader(path, wanted)
        reader_times.append(seconds)
        all_times.append(_time_reader(path, None)[0])
    if found != {title: everything[title] for title in wanted}:
        raise AssertionError("the filtered pass disagrees with the unfiltered one")
    if stats.lines != lines or stats.malformed:
        raise AssertionError(f"reader saw {stats.lines} lines ({stats.malformed} malformed), expected {lines}")

    bzip2_s, reader_s, all_s = min(bzip2_times), min(reader_times), min(all_times)
    mb = stats.decompressed_bytes / 1e6
    return {
        "file": str(path),
        "file_mb": round(path.stat().st_size / 1e6, 2),
        "decompressed_mb": round(mb, 2),
        "lines": stats.lines,
        "streams": -(-lines // LINES_PER_STREAM),
        "project_lines": stats.project_lines,
        "wanted_titles": len(wanted),
        "bzip2_seconds": round(bzip2_s, 3),
        "reader_seconds": round(reader_s, 3),
        "ratio": round(bzip2_s / reader_s, 3),
        "reader_all_titles_seconds": round(all_s, 3),
        "ratio_all_titles": round(bzip2_s / all_s, 3),
        "bzip2_mb_per_s": round(mb / bzip2_s, 1),
        "reader_mb_per_s": round(mb / reader_s, 1),
        "reader_lines_per_s": round(stats.lines / reader_s),
        "repeats": repeats,
        "cpus": usable_cpus(),
        "decompression_threads": default_threads(),
        "make_file_seconds": round(made, 1),
    }
