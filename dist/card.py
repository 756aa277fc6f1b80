"""The dataset card (README.md): YAML front matter that the Hub and `datasets` read, and a body for people."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spacetime.common import md_escape
from spacetime.loaders.features import column_docs, features
from spacetime.pipelines.registry import DATASETS, spec
from spacetime.pipelines.spec import SPLITS, TEST_SHARE

if TYPE_CHECKING:
    from huggingface_hub import DatasetCardData

    from .package import ConfigRelease

TITLE = "LLM space and time entities"
PAPER_URL = "https://arxiv.org/abs/2310.02207"
PAPER = f"Gurnee & Tegmark, [*Language Models Represent Space and Time*]({PAPER_URL}) (arXiv:2310.02207)"
DEFAULT_CONFIG = DATASETS[0]  # the config `load_dataset(repo)` reads when none is named: the first in release order
LICENSE_FILE = "LICENSE.md"  # the release's per-config terms, which the card's license_link points at
TASK_CATEGORIES = ["feature-extraction"]
SOURCE_DATASETS = ["extended|other"]  # rebuilt from public sources (DBpedia, NYC Open Data, NYT), none on the Hub
SAMPLE_NOTE = (
    "**Built from the bundled sample snapshot** (`pipelines/sample/`): DBpedia-shaped data made from "
    "GeoNames and hand-entered facts, with synthetic pageviews. It shows the pipeline end to end; it is "
    "not a DBpedia extract and not a release of the full datasets."
)


def card_data(releases: list[ConfigRelease]) -> DatasetCardData:
    """The card's YAML metadata, as the Hub and `datasets` read it."""
    from huggingface_hub import DatasetCardData

    configs, infos = [], []
    for r in releases:
        entry = {
            "config_name": r.config,
            "data_files": [{"split": split, "path": f"data/{r.config}/{split}-*.parquet"} for split in SPLITS],
        }
        if r.config == DEFAULT_CONFIG:
            entry["default"] = True
        configs.append(entry)
        infos.append(
            {
                "config_name": r.config,
                "features": features(r.config)._to_yaml_list(),
                "splits": [
                    {
                        "name": split,
                        "num_bytes": (r.split_bytes or {}).get(split, 0),
                        "num_examples": int((r.frame["split"] == split).sum()),
                    }
                    for split in SPLITS
                ],
            }
        )
    return DatasetCardData(
        pretty_name=TITLE,
        language=["en"],
        license="other",
        license_name="per-config-source-terms",
        license_link=LICENSE_FILE,
        license_details="Each config keeps the terms of its sources; see 'Sources and terms' in this card.",
        task_categories=TASK_CATEGORIES,
        source_datasets=SOURCE_DATASETS,
        tags=["interpretability", "probing", "world-models", "geography", "time", "linear-probes"],
        size_categories=[size_category(sum(len(r.frame) for r in releases))],
        configs=configs,
        dataset_info=infos,
    )


def license_text(releases: list[ConfigRelease]) -> str:
    """``LICENSE.md``: the sources and terms of every config, from the datasets' specs."""
    lines = [f"# {TITLE}: terms\n", "There is no single license: each config keeps the terms of its sources.\n"]
    for r in releases:
        lines.append(f"## `{r.config}`\n")
        lines.extend(f"- {source}" for source in spec(r.config).sources)
        lines.append("")
    return "\n".join(lines)


def render_card(releases: list[ConfigRelease], previous: dict | None) -> str:
    parts = [
        f"---\n{card_data(releases).to_yaml()}\n---\n",
        f"# {TITLE}\n",
        f"Entity datasets for probing how language models represent space and time, after {PAPER}. "
        f"One config per dataset; each has a fixed {'/'.join(f'`{s}`' for s in SPLITS)} split (about "
        f"{TEST_SHARE:.0%} test, drawn from a hash of a group key, so an entity keeps its side across releases).\n",
        "```python\nimport datasets\n"
        f'ds = datasets.load_dataset("<repo>", "{DEFAULT_CONFIG}", revision="<tag>")\n```\n',
    ]
    if any(r.metadata.get("sources", {}).get("mode") == "sample" for r in releases):
        parts.append(SAMPLE_NOTE + "\n")
    parts.append(
        "| config | train | test | target |\n|---|---|---|---|\n"
        + "".join(
            f"| `{r.config}` | {(r.frame['split'] == 'train').sum()} | {(r.frame['split'] == 'test').sum()} | "
            f"{', '.join(spec(r.config).targets)} |\n"
            for r in releases
        )
    )
    for r in releases:
        parts.append(config_section(r))
    parts.append(changelog(releases, previous))
    parts.append(
        "## Citation\n\nIf you use these datasets, cite the paper that introduced them:\n\n"
        "```bibtex\n@article{gurnee2023language,\n  title={Language Models Represent Space and Time},\n"
        "  author={Gurnee, Wes and Tegmark, Max},\n  journal={arXiv preprint arXiv:2310.02207},\n"
        "  year={2023}\n}\n```\n"
    )
    return "\n".join(parts)


def config_section(r: ConfigRelease) -> str:
    meta = r.metadata
    declared = spec(r.config)
    lines = [f"## `{r.config}`\n", declared.summary + "\n"]
    lines.append(column_table(r.config))
    lines.append("**Sources and terms.** " + "; ".join(declared.sources) + ".\n")
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


def column_table(config: str) -> str:
    """Every released column: its type (class label names included), unit and description."""
    docs = column_docs(config)
    lines = ["| column | type | unit | description |", "|---|---|---|---|"]
    for name, feature in features(config).items():
        kind = getattr(feature, "dtype", type(feature).__name__)
        if type(feature).__name__ == "ClassLabel":
            kind = "class label: " + ", ".join(feature.names)
        doc = docs[name]
        lines.append(f"| `{name}` | {kind} | {doc.get('unit', '')} | {md_escape(doc['description'])} |")
    return "\n".join(lines) + "\n"


def _provenance_lines(meta: dict) -> list[str]:
    sources = meta.get("sources", {})
    lines = []
    release = sources.get("dbpedia_release")
    if release:  # a pinned DBpedia release read from its dump files: the release, not a query time, dates the data
        versions = ", ".join(release.get("versions") or []) or "version not in the file paths"
        lines.append(f"**DBpedia release:** {versions}, read from these Databus files:\n")
        lines.append("| file | bytes | sha256 | malformed lines |\n|---|---|---|---|")
        lines.extend(
            f"| `{f['name']}` | {f['bytes']} | `{f['sha256']}` | {sum(f.get('malformed', {}).values())} |"
            for f in release.get("files", [])
        )
        lines.append("")
    queries = sources.get("dbpedia") or []
    if queries:
        lines.append("**Queries** (full text in `metadata/<config>.json`):\n")
        lines.extend(
            f"- `{q['name']}`: sha256 `{q['query_sha256'][:16]}…`, {q['rows']} rows in {q['pages']} pages "
            + ("from the release files above" if release else f"from {q['source']}, fetched {q.get('fetched_first')}")
            for q in queries
        )
        lines.append("")
    window = meta.get("pageview_window")
    if window and "pageviews" in sources:
        lines.append(
            f"**Pageview window:** {window.get('start')} to {window.get('end', '?')} "
            f"({window.get('months')} months), source: {sources['pageviews'].get('kind')}.\n"
        )
    lines.append(f"Built {meta.get('built_at')} with llm-spacetime {meta.get('package_version')}.\n")
    return lines


def changelog(releases: list[ConfigRelease], previous: dict | None) -> str:
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


def size_category(rows: int) -> str:
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if rows < limit:
            return label
    return "1M<n<10M"
