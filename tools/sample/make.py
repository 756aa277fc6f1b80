"""Generate the bundled sample: every dataset's part, then one set of pageview dumps for all their titles.

The output is a SAMPLE in the sources' own formats, not an extract of them (see pipelines/sample/README.md).
Every run writes the same bytes (seeded RNG, sorted output, gzip without a timestamp).

    python -m tools.sample [--out DIR] [--max-cities N]      (from the repository root)
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path

from tools.sample.art_entertainment import art_entertainment_part
from tools.sample.common import DATA_DIR, MANIFEST_FILE, SEED, VIEW_THRESHOLD, SamplePart, sha256, write_file
from tools.sample.headlines import headlines_part
from tools.sample.historical_figures import historical_figures_part
from tools.sample.nyc_places import nyc_places_part
from tools.sample.pageviews import merged_views, pageview_files, window_months
from tools.sample.us_places import us_places_part
from tools.sample.world_places import world_part

# Every dataset's part, in the order they are written. Each is a function (max_cities) -> SamplePart.
PARTS: list[Callable[[int | None], SamplePart]] = [
    world_part,
    us_places_part,
    nyc_places_part,
    headlines_part,
    historical_figures_part,
    art_entertainment_part,
]


def generate(out: Path, max_cities: int | None = None) -> dict:
    """Write the sample into ``out`` and return its manifest."""
    parts = [make(max_cities) for make in PARTS]
    files: dict[str, bytes] = {}
    for part in parts:
        clash = files.keys() & part.files.keys()
        if clash:
            raise ValueError(f"sample part {part.dataset} rewrites {sorted(clash)}")
        files.update(part.files)
    dumps, totals, pageview_lines = pageview_files(merged_views(parts))
    files.update(dumps)
    for name, data in files.items():
        write_file(out / name, data)

    datasets = {}
    for part in parts:
        section = dict(part.manifest)
        good = section.pop("good_titles", None)
        if good is not None:
            section.setdefault("counts", {})["good_entities_above_view_threshold"] = sum(
                1 for t in good if totals.get(t, 0) > VIEW_THRESHOLD
            )
        datasets[part.dataset] = section
    manifest = {
        "what": (
            "A SAMPLE in the shape of the real sources (DBpedia, the Wikimedia pageview_complete dumps and the "
            "other services), for running the pipelines with no network. It is NOT an extract of those "
            "services, and its pageviews are synthetic."
        ),
        "generator": {
            "command": "python -m tools.sample",
            "seed": SEED,
            "pageview_window": [f"{y}-{m:02d}" for y, m in (window_months()[0], window_months()[-1])],
            "pageview_threshold": VIEW_THRESHOLD,
        },
        "licenses": {"pageviews": "synthetic, generated with seeded noise; not real Wikimedia counts"},
        "datasets": datasets,
        "pageview_lines": pageview_lines,
        "files": {name: {"sha256": sha256(data), "bytes": len(data)} for name, data in sorted(files.items())},
    }
    write_file(out / MANIFEST_FILE, (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="output folder (default: the package's data/)")
    parser.add_argument("--max-cities", type=int, default=None, help="keep only the N most populous cities")
    args = parser.parse_args(argv)
    manifest = generate(args.out, args.max_cities)
    total = sum(f["bytes"] for f in manifest["files"].values())
    print(json.dumps({name: part.get("counts") for name, part in manifest["datasets"].items()}, indent=2))
    print(f"wrote {len(manifest['files'])} files, {total / 1e6:.2f} MB, into {args.out}")
    return 0
