"""The bundled sample snapshot: DBpedia-shaped N-Triples, pageview dumps, SODA rows and NYT archive months that run
with no network; these functions locate its files.

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
    return _existing(SAMPLE_DIR / "pageviews", "sample pageview dumps")


def manifest() -> dict:
    """MANIFEST.json: how the sample was made, its counts, and the sha256 of every data file."""
    return json.loads((SAMPLE_DIR / "MANIFEST.json").read_text("utf-8"))


def soda_dir() -> Path:
    """The SODA sample: ``<dataset id>/*.json.gz`` pages of rows, served by the SODA emulator."""
    return _existing(SAMPLE_DIR / "soda", "SODA sample")


def nyt_archive_dir() -> Path:
    """The NYT Archive sample: ``<year>/<month>.json.gz``, served by the archive file server."""
    return _existing(SAMPLE_DIR / "nyt" / "archive", "NYT archive sample")


def _existing(folder: Path, what: str) -> Path:
    if not folder.is_dir():
        raise FileNotFoundError(f"no {what} at {folder}; run `python -m tools.sample` in the repository")
    return folder
