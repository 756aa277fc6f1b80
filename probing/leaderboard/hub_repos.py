"""The requests and results folders as Hugging Face dataset repos (as the Open LLM Leaderboard keeps them).

``pull`` mirrors a repo into a local folder (``snapshot_download``); ``push`` commits chosen files of a local folder
in one commit (``create_commit``), creating the repo if needed. ``HF_ENDPOINT`` / ``endpoint`` point at another
Hub-compatible server; the token comes from ``HF_TOKEN`` or the stored login, as everywhere in huggingface_hub.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from spacetime.common import visible_files

REPO_TYPE = "dataset"


def _endpoint(endpoint: str | None) -> str | None:
    return endpoint or os.environ.get("HF_ENDPOINT") or None


def pull(repo_id: str, local_dir: Path, endpoint: str | None = None, token: str | None = None) -> Path:
    """Every file of ``repo_id`` (main) into ``local_dir``; a repo that does not exist yet leaves it as it is."""
    from huggingface_hub import HfApi, snapshot_download
    from huggingface_hub.errors import RepositoryNotFoundError

    local_dir = Path(local_dir)
    local_dir.mkdir(parents=True, exist_ok=True)
    api = HfApi(endpoint=_endpoint(endpoint), token=token)
    try:
        api.repo_info(repo_id, repo_type=REPO_TYPE)
    except RepositoryNotFoundError:
        return local_dir
    snapshot_download(repo_id, repo_type=REPO_TYPE, local_dir=local_dir, endpoint=_endpoint(endpoint), token=token)
    return local_dir


def push(
    repo_id: str,
    local_dir: Path,
    paths: Iterable[Path],
    message: str,
    endpoint: str | None = None,
    token: str | None = None,
) -> str | None:
    """Commit ``paths`` (files under ``local_dir``) to ``repo_id`` in one commit; returns the commit sha (None when
    there was nothing to send)."""
    from huggingface_hub import CommitOperationAdd, HfApi

    local_dir = Path(local_dir)
    files = sorted({Path(p).resolve() for p in paths})
    if not files:
        return None
    api = HfApi(endpoint=_endpoint(endpoint), token=token)
    api.create_repo(repo_id, repo_type=REPO_TYPE, exist_ok=True)
    operations = [
        CommitOperationAdd(path_in_repo=p.relative_to(local_dir.resolve()).as_posix(), path_or_fileobj=str(p))
        for p in files
    ]
    info = api.create_commit(repo_id, operations, commit_message=message, repo_type=REPO_TYPE)
    return info.oid


def files_under(folder: Path) -> list[Path]:
    """The files of a local mirror, without huggingface_hub's own bookkeeping (``.cache/``) or hidden files."""
    return visible_files(folder)
