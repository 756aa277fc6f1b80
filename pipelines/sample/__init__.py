"""The bundled sample snapshot: DBpedia-shaped N-Triples and pageview dumps that run with no network.

See README.md next to this file for what it holds and how it was made; its generator is ``python -m tools.sample``
(in the repository, not installed).
"""

from __future__ import annotations

import json
from pathlib import Path

SAMPLE_DIR = Path(__file__).resolve().parent / "data"


def dbpedia_files() -> list[Path]:
    """The RDF files to load into the local SPARQL server (places, countries and the ontology slice)."""
    files = sorted((SAMPLE_DIR / "dbpedia").glob("*.nt*"))
    if not files:
        raise FileNotFoundError(
            f"no sample N-Triples under {SAMPLE_DIR / 'dbpedia'}; run `python -m tools.sample` in the repository"
        )
    return files


def pageview_dump_dir() -> Path:
    """The folder of monthly ``pageviews-YYYYMM-user.bz2`` dumps (pageview_complete format)."""
    folder = SAMPLE_DIR / "pageviews"
    if not folder.is_dir():
        raise FileNotFoundError(f"no sample pageview dumps at {folder}")
    return folder


def manifest() -> dict:
    """MANIFEST.json: how the sample was made, its counts, and the sha256 of every data file."""
    return json.loads((SAMPLE_DIR / "MANIFEST.json").read_text("utf-8"))
