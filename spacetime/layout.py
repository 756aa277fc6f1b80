"""The output folder's layout: every command takes ``--out OUT`` (a root folder) and finds its inputs and outputs here.

::

    OUT/build/<dataset>/             spacetime build: data.parquet, metadata.json
    OUT/release/                     spacetime package: the Hub-layout release folder (card, data/, release.json)
    OUT/validation/                  spacetime validate: report.md, report.json
    OUT/activations/<model>/<dataset>/<prompt>/
                                     spacetime activations: one safetensors file per layer, entity_ids.json, manifest
    OUT/activation-releases/<model>/ spacetime package-activations: Parquet per (dataset, prompt, layer), the card,
                                     activations.json (see probing/artifacts/release.py)
    OUT/probes/<name>/               spacetime probe: results.json, predictions/, plots/, report.md
    OUT/leaderboard/requests/        spacetime submit: evaluation requests, one file each (PENDING until evaluated)
    OUT/leaderboard/results/         spacetime evaluate: one results file per request (all the leaderboard reads)
    OUT/leaderboard/site/            the rendered leaderboard (spacetime demo): index.html, leaderboard.{md,png}
    OUT/evaluate/                    spacetime evaluate's working folders: activations/ and probes/ (a rerun resumes)
    OUT/.cache/                      response caches of the builds (resumable runs)
    OUT/downloads/                   spacetime download: the pinned DBpedia release and the monthly pageview dumps,
                                     in the servers' layout (build's --dbpedia-dump and --pageviews-dump read it)

The one exception is ``spacetime leaderboard RESULTS --out SITE``: its ``--out`` is the site folder itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_OUT = Path("out")


@dataclass(frozen=True)
class Layout:
    root: Path = DEFAULT_OUT

    @property
    def builds(self) -> Path:
        """Where ``build`` writes: one folder per dataset."""
        return self.root / "build"

    def build(self, dataset: str) -> Path:
        return self.builds / dataset

    def build_data(self, dataset: str) -> Path:
        return self.build(dataset) / "data.parquet"

    @property
    def release(self) -> Path:
        return self.root / "release"

    @property
    def validation(self) -> Path:
        return self.root / "validation"

    @property
    def activations(self) -> Path:
        """The root of ``<model>/<dataset>/<prompt>/`` activation folders (see probing/extraction/store.py)."""
        return self.root / "activations"

    @property
    def activation_releases(self) -> Path:
        return self.root / "activation-releases"

    def activation_release(self, model_slug: str) -> Path:
        """``spacetime package-activations``: one model's activations as a Hub dataset folder (probing/artifacts)."""
        return self.activation_releases / model_slug

    def probes(self, name: str) -> Path:
        return self.root / "probes" / name

    @property
    def leaderboard(self) -> Path:
        return self.root / "leaderboard"

    @property
    def requests(self) -> Path:
        """Evaluation requests (``spacetime submit``), pending, running, finished or failed."""
        return self.leaderboard / "requests"

    @property
    def results(self) -> Path:
        """One results file per evaluated request (``spacetime evaluate``): all the leaderboard reads."""
        return self.leaderboard / "results"

    @property
    def site(self) -> Path:
        """The rendered leaderboard: index.html, leaderboard.md and .png."""
        return self.leaderboard / "site"

    @property
    def evaluations(self) -> Path:
        """``spacetime evaluate``'s working folders: activations and probes per request."""
        return self.root / "evaluate"

    @property
    def cache(self) -> Path:
        return self.root / ".cache"

    @property
    def downloads(self) -> Path:
        """``spacetime download``: ``<publisher>/<group>/<artifact>/<version>/<file>`` from the Databus and
        ``other/pageview_complete/monthly/YYYY/YYYY-MM/<file>`` from the Wikimedia dumps."""
        return self.root / "downloads"

    def data_source(self, dataset: str) -> str:
        """What the probing stage reads by default: the release when it holds the dataset, else the build's file."""
        if (self.release / "data" / dataset).is_dir():
            return str(self.release)
        return str(self.build_data(dataset))
