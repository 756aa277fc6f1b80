"""The card (README.md) of an activation release: YAML front matter that the Hub and `datasets` read (one config per
(dataset, prompt, layer), its train/test data files, licence, tags) and a body that says what the vectors are.

Every string that comes from a manifest, a model repo, a results file or the command line is untrusted: the YAML is
written by ``DatasetCardData.to_yaml`` (a YAML emitter quotes what needs quoting) from one-line values, and the body
goes through ``spacetime.common.md_escape``, which leaves no raw HTML and no Markdown structure in it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from spacetime.common import human_size, md_escape
from spacetime.dist.card import size_category
from spacetime.errors import SpacetimeError

from .release import CARD, METADATA, PLOTS_DIR, SPLITS, config_dir

TAGS = ["interpretability", "probing", "activations", "linear-probes", "world-models", "llm-spacetime"]
PAPER_URL = "https://arxiv.org/abs/2310.02207"


def one_line(value: Any) -> str:
    """A value for the YAML header: one line (the emitter does the quoting)."""
    return " ".join(str(value).split())


def safe_url(url: str | None) -> str | None:
    """An http(s) URL with everything that could end a Markdown link percent-encoded; None for anything else."""
    if not url or not re.match(r"^https?://[^\s/]+", url):
        return None
    return quote(url, safe=":/?#&=%~+-._,@!$;'*")


def card_data(release: dict[str, Any]):
    from huggingface_hub import DatasetCardData

    configs = []
    for entry in release["datasets"]:
        for layer in entry["layers"]:
            directory = config_dir(entry["dataset"], entry["prompt"], layer)
            configs.append(
                {
                    "config_name": entry["configs"][str(layer)],
                    "data_files": [{"split": split, "path": f"{directory}/{split}-*.parquet"} for split in SPLITS],
                }
            )
    rows = max((entry["rows"] for entry in release["datasets"]), default=0)
    return DatasetCardData(
        pretty_name=one_line(f"{release['model']} activations on the space and time entities"),
        license="other",
        license_name="model-and-source-terms",
        license_details=one_line(
            "The model's licence and each entity dataset's source terms apply; see 'Licences' in this card."
        ),
        task_categories=["feature-extraction"],
        tags=TAGS,
        size_categories=[size_category(rows)],
        configs=configs,
    )


def render_card(release: dict[str, Any]) -> str:
    model, revision = md_escape(release["model"]), md_escape(release["model_revision"])
    entries = release["datasets"]
    first = entries[0]
    example = first["configs"][str(first["layers"][-1])]
    parts = [
        f"---\n{card_data(release).to_yaml()}\n---\n",
        f"# Activations of {model}\n",
        f"Residual-stream activations of {model} (commit {revision}) on the llm-spacetime entity datasets, after "
        f"Gurnee & Tegmark, [*Language Models Represent Space and Time*]({PAPER_URL}). One config per (dataset, "
        "prompt, layer), named `<dataset>--<prompt>--layer_NNN`, with the entity dataset's `train` and `test` "
        "splits; each row is one entity: `entity_id`, `split`, the dataset's targets and `activation`, the vector "
        f"({md_escape(release['storage_dtype'])}).\n",
        "```python\nimport datasets\n"
        f'ds = datasets.load_dataset("<repo>", "{example}", split="test")  # one layer, one split\n\n'
        "from spacetime.probing.artifacts.load import load_activation_layer  # checked against the entity data\n"
        f'X = load_activation_layer("<repo>", "{first["dataset"]}", {first["layers"][-1]}, '
        f'prompt="{first["prompt"]}", data="<entity dataset>").values\n```\n',
        "## What the vectors are\n",
        "| | |\n|---|---|\n"
        f"| model | {model} |\n"
        f"| model commit | {revision} |\n"
        f"| model dtype | {md_escape(release.get('model_dtype'))} |\n"
        f"| random init | {md_escape(release.get('random_init'))} |\n"
        f"| hook point | {md_escape(release['hook_point'])} (TransformerLens name; the output of block l) |\n"
        f"| activation | {md_escape(release.get('activation'))} |\n"
        f"| read position | {md_escape(release['read_position'])} |\n"
        f"| storage dtype | {md_escape(release['storage_dtype'])} |\n"
        f"| entity dataset | {md_escape(release['dataset_repo'])} at {md_escape(release['dataset_revision'])} |\n"
        f"| made by | {md_escape(release['command'])} (llm-spacetime {md_escape(release['package_version'])}) |\n",
        "Rows are in the entity dataset's order (train rows, then test rows). The row-order hash is the sha256 of "
        "the entity ids in that order, one per line; the loader refuses a release whose rows or data revision "
        f"differ from the entity data it is given. `{METADATA}` holds all of this and every file's sha256.\n",
        "## Datasets, prompts and layers\n",
        "| dataset | prompt | prompt text | layers | rows (train / test) | hidden | row-order hash | size per layer |\n"
        "|---|---|---|---|---|---|---|---|\n" + "".join(_entry_row(entry) for entry in entries),
    ]
    results = release.get("results")
    if results:
        parts.append(results_section(results))
    parts.append(licence_section(release))
    return "\n".join(parts)


def _entry_row(entry: dict[str, Any]) -> str:
    sizes = sorted(entry["bytes_per_layer"].values())
    size = human_size(sizes[0]) if sizes[0] == sizes[-1] else f"{human_size(sizes[0])} to {human_size(sizes[-1])}"
    # JSON keeps the prompt's leading and trailing spaces and newlines visible on one line.
    prompt_text = md_escape(json.dumps(entry.get("prompt_text") or "", ensure_ascii=False))
    return (
        f"| {md_escape(entry['dataset'])} | {md_escape(entry['prompt'])} | {prompt_text} | "
        f"{_layer_ranges(entry['layers'])} | {entry['rows']} ({entry['splits']['train']} / {entry['splits']['test']}) "
        f"| {entry['hidden_size']} | {md_escape(entry['entity_ids_sha256'])} | {size} |\n"
    )


def _layer_ranges(layers: list[int]) -> str:
    if len(layers) > 2 and all(b - a == layers[1] - layers[0] for a, b in zip(layers, layers[1:])):
        step = layers[1] - layers[0]
        return f"{layers[0]} to {layers[-1]}" + (f" step {step}" if step != 1 else "")
    return ", ".join(str(layer) for layer in layers)


def results_section(results: dict[str, Any]) -> str:
    """Test R^2 by layer of the ridge probes on these activations: one column per dataset, the chosen layer marked."""
    datasets = results.get("datasets", {})
    lines = ["## Baseline probes\n"]
    url = safe_url(results.get("leaderboard_url"))
    if url:
        lines.append(f"Leaderboard entry: [{md_escape(results['leaderboard_url'])}]({url})\n")
    if not datasets:
        return "\n".join(lines)
    lines.append(
        "Test R^2 of a ridge probe per layer (`spacetime probe`); the layer marked * is the one chosen on the train "
        "split (smallest leave-one-out error), the dataset's headline score. Prompts: "
        + ", ".join(f"{md_escape(d)}: {md_escape(r.get('prompt'))}" for d, r in datasets.items())
        + ".\n"
    )
    layers = sorted({int(layer) for r in datasets.values() for layer in r["r2_by_layer"]})
    lines.append("| layer | " + " | ".join(md_escape(d) for d in datasets) + " |")
    lines.append("|---" * (len(datasets) + 1) + "|")
    for layer in layers:
        cells = []
        for result in datasets.values():
            r2 = result["r2_by_layer"].get(str(layer))
            mark = "*" if str(result.get("best_layer")) == str(layer) else ""
            cells.append("-" if r2 is None else f"{r2:.4f}{mark}")
        lines.append(f"| {layer} | " + " | ".join(cells) + " |")
    lines.append("")
    for dataset, result in datasets.items():
        if result.get("plot"):
            lines.append(f"![{md_escape(dataset)} R^2 by layer]({PLOTS_DIR}/{quote(result['plot'])})\n")
    return "\n".join(lines)


def licence_section(release: dict[str, Any]) -> str:
    from spacetime.pipelines.registry import spec

    licence = release.get("model_license")
    lines = [
        "## Licences\n",
        f"**The model's.** The activations are computed by {md_escape(release['model'])}; its licence "
        + (f"({md_escape(licence)}) applies." if licence else "is not recorded here: see the model's repository.")
        + "\n",
        "**The data's.** There is no single licence: each entity dataset keeps the terms of its sources.\n",
    ]
    for dataset in sorted({entry["dataset"] for entry in release["datasets"]}):
        try:
            sources = spec(dataset).sources
        except Exception:  # a dataset this version of the package does not declare
            sources = ["see the entity dataset's card"]
        lines.append(f"- {md_escape(dataset)}: " + "; ".join(md_escape(s) for s in sources))
    return "\n".join(lines) + "\n"


# --- a probe's results, for the card ------------------------------------------------------------------------------


def read_results(path: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Test R^2 by layer per dataset from a ``spacetime probe`` results.json or a leaderboard results file of this
    release's model, and its R^2-by-layer plots when they sit beside it (``plots/<dataset>_r2_by_layer.png``)."""
    try:
        results = json.loads(Path(path).read_text("utf-8"))
        config, per_dataset = results["config"], results["results"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as err:
        raise SpacetimeError(f"{path}: not a probe results file ({type(err).__name__}: {err})") from None
    model = (config.get("model_name"), config.get("model_sha"))
    # A probe's results name the model as its manifest does (and say whether it was the random-init control); a
    # leaderboard entry names it as its folder is named ("<model>-random-init-seed<S>", "<model>-static-embeddings").
    name = str(config.get("model_name"))
    same_model = (
        name == manifest.get("model") and bool(config.get("random_init")) == bool(manifest.get("random_init"))
    ) or name.replace("/", "--") == manifest.get("model_slug")
    if not same_model or config.get("model_sha") != manifest.get("model_revision"):
        raise SpacetimeError(
            f"{path}: results of {model[0]!r} at {model[1]!r}, not of this release's model "
            f"{manifest.get('model')!r} at {manifest.get('model_revision')!r}"
        )
    summary: dict[str, Any] = {"datasets": {}, "plots": {}}
    for dataset, result in per_dataset.items():
        r2 = {}
        for item in result.get("per_layer", []):
            value = item.get("r2,test", (item.get("test") or {}).get("r2"))
            if value is not None:
                r2[int(item["layer"])] = float(value)
        entry = {"prompt": result.get("prompt", config.get("prompt")), "best_layer": result.get("best_layer")}
        entry["r2_by_layer"] = {str(layer): r2[layer] for layer in sorted(r2)}
        plot = Path(path).parent / "plots" / f"{dataset}_r2_by_layer.png"
        if plot.is_file() and re.match(r"^[A-Za-z0-9_.-]+$", plot.name):
            summary["plots"][plot.name] = plot
            entry["plot"] = plot.name
        summary["datasets"][dataset] = entry
    return summary


__all__ = ["CARD", "card_data", "read_results", "render_card"]
