"""The dataset card (README.md): YAML front matter that the Hub and `datasets` read, and a body for people."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

import yaml

from spacetime.loaders.features import TARGETS, column_docs, features
from spacetime.pipelines.registry import builder

if TYPE_CHECKING:
    from .package import ConfigRelease

TITLE = "LLM space and time entities"
PAPER = "Gurnee & Tegmark, *Language Models Represent Space and Time* (arXiv:2310.02207)"

DBPEDIA = "DBpedia (https://www.dbpedia.org), CC BY-SA 3.0 and GNU FDL, derived from Wikipedia"
PAGEVIEWS = "Wikimedia pageviews (https://dumps.wikimedia.org/other/pageview_complete/), CC0"
# Where each config's facts come from, and under which terms.
ATTRIBUTION: dict[str, list[str]] = {
    "world_places": [DBPEDIA, PAGEVIEWS],
    "us_places": [DBPEDIA, PAGEVIEWS],
    "nyc_places": ["NYC Open Data, Points of Interest (dataset rxuy-2muj), NYC Open Data Terms of Use "
                   "(https://opendata.cityofnewyork.us/overview/#termsofuse)"],
    "historical_figures": [DBPEDIA, PAGEVIEWS],
    "art_entertainment": [DBPEDIA, PAGEVIEWS],
    "headlines": ["The New York Times Archive API (https://developer.nytimes.com/docs/archive-product/1/overview): "
                  "headlines and dates are (c) The New York Times Company, provided under the NYT APIs Terms of Use "
                  "(https://developer.nytimes.com/terms), which allow non-commercial use with attribution; check them "
                  "before any other use"],
}
SAMPLE_NOTE = ("**Built from the bundled sample snapshot** (`pipelines/sample/`): DBpedia-shaped data made from "
               "GeoNames and hand-entered facts, with synthetic pageviews. It shows the pipeline end to end; it is "
               "not a DBpedia extract and not a release of the full datasets.")


def front_matter(releases: list["ConfigRelease"]) -> dict[str, Any]:
    configs, infos = [], []
    for r in releases:
        configs.append({"config_name": r.config, "data_files": [
            {"split": split, "path": f"data/{r.config}/{split}-*.parquet"} for split in ("train", "test")]})
        infos.append({"config_name": r.config, "features": features(r.config)._to_yaml_list(), "splits": [
            {"name": split, "num_bytes": (r.split_bytes or {}).get(split, 0),
             "num_examples": int((r.frame["split"] == split).sum())} for split in ("train", "test")]})
    return {
        "pretty_name": TITLE,
        "language": ["en"],
        "license": "other",
        "license_name": "per-config-source-terms",
        "license_details": "Each config keeps the terms of its sources; see 'Sources and terms' in this card.",
        "tags": ["interpretability", "probing", "world-models", "geography", "time", "linear-probes"],
        "size_categories": [_size_category(sum(len(r.frame) for r in releases))],
        "configs": configs,
        "dataset_info": infos,
    }


def render_card(releases: list["ConfigRelease"], previous: dict | None) -> str:
    header = yaml.safe_dump(front_matter(releases), sort_keys=False, allow_unicode=True, width=120)
    parts = [f"---\n{header}---\n", f"# {TITLE}\n",
             f"Entity datasets for probing how language models represent space and time, after {PAPER}. "
             "One config per dataset; each has a fixed `train`/`test` split (about 20% test, drawn from a hash of a "
             "group key, so an entity keeps its side across releases).\n",
             "```python\nimport datasets\nds = datasets.load_dataset(\"<repo>\", \"world_places\", revision=\"<tag>\")\n```\n"]
    if any(r.metadata.get("sources", {}).get("mode") == "sample" for r in releases):
        parts.append(SAMPLE_NOTE + "\n")
    parts.append("| config | train | test | target |\n|---|---|---|---|\n" + "".join(
        f"| `{r.config}` | {(r.frame['split'] == 'train').sum()} | {(r.frame['split'] == 'test').sum()} | "
        f"{', '.join(TARGETS[r.config])} |\n" for r in releases))
    for r in releases:
        parts.append(config_section(r))
    parts.append(changelog(releases, previous))
    parts.append("## Citation\n\nIf you use these datasets, cite the paper that introduced them:\n\n"
                 "```bibtex\n@article{gurnee2023language,\n  title={Language Models Represent Space and Time},\n"
                 "  author={Gurnee, Wes and Tegmark, Max},\n  journal={arXiv preprint arXiv:2310.02207},\n"
                 "  year={2023}\n}\n```\n")
    return "\n".join(parts)


def config_section(r: "ConfigRelease") -> str:
    meta = r.metadata
    doc = inspect.getdoc(builder(r.config)) or ""
    lines = [f"## `{r.config}`\n", doc.split("\n\n")[0] + "\n"]
    feats = features(r.config)
    docs = column_docs(r.config)
    lines.append("| column | type | description |\n|---|---|---|")
    for name, feature in feats.items():
        kind = getattr(feature, "dtype", type(feature).__name__)
        if type(feature).__name__ == "ClassLabel":
            kind = "class label: " + ", ".join(feature.names)
        lines.append(f"| `{name}` | {kind} | {docs.get(name, '')} |")
    lines.append("")
    lines.append("**Sources and terms.** " + "; ".join(ATTRIBUTION[r.config]) + ".\n")
    lines.extend(_provenance_lines(meta))
    drops = meta.get("drops", {}).get("counts", {})
    if drops:
        lines.append("**Rules applied** (rows dropped per rule, in the build's order of steps):\n")
        lines.append("| rule | dropped |\n|---|---|")
        lines.extend(f"| `{rule}` | {count} |" for rule, count in drops.items())
        lines.append("")
    if meta.get("parameters"):
        lines.append("**Parameters:** " + ", ".join(f"`{k}` = {v}" for k, v in meta["parameters"].items()) + ".\n")
    return "\n".join(lines) + "\n"


def _provenance_lines(meta: dict) -> list[str]:
    sources = meta.get("sources", {})
    lines = []
    queries = sources.get("dbpedia") or []
    if queries:
        lines.append("**Queries** (full text in `metadata/<config>.json`):\n")
        lines.extend(f"- `{q['name']}`: sha256 `{q['query_sha256'][:16]}…`, {q['rows']} rows in {q['pages']} pages "
                     f"from {q['source']}, fetched {q.get('fetched_first')}" for q in queries)
        lines.append("")
    window = meta.get("pageview_window")
    if window and "pageviews" in sources:
        lines.append(f"**Pageview window:** {window.get('start')} to {window.get('end', '?')} "
                     f"({window.get('months')} months), source: {sources['pageviews'].get('kind')}.\n")
    lines.append(f"Built {meta.get('built_at')} with llm-spacetime {meta.get('package_version')}.\n")
    return lines


def changelog(releases: list["ConfigRelease"], previous: dict | None) -> str:
    if not previous:
        return "## Changes\n\nFirst release: no previous release to compare with.\n"
    lines = ["## Changes since the previous release\n", "| config | added | removed | changed |", "|---|---|---|---|"]
    for r in releases:
        c = r.changes or {}
        lines.append(f"| `{r.config}` | {c.get('added', 0)} | {c.get('removed', 0)} | {c.get('changed', 0)} |")
    lines.append("")
    for r in releases:
        examples = (r.changes or {}).get("examples", {})
        for kind, ids in examples.items():
            if ids:
                lines.append(f"- `{r.config}` {kind}, e.g.: " + ", ".join(f"`{i}`" for i in ids))
    return "\n".join(lines) + "\n"


def _size_category(rows: int) -> str:
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if rows < limit:
            return label
    return "1M<n<10M"
