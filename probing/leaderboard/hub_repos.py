"""The requests and results folders as Hugging Face dataset repos (as the Open LLM Leaderboard keeps them).

``pull`` mirrors a repo into a local folder (``snapshot_download``); ``push`` commits chosen files of a local folder
in one commit (``create_commit``), creating the repo if needed; ``commit_file`` commits one file only on top of a
given parent commit (``parent_commit``: the claims of ``claims.py``). ``HF_ENDPOINT`` / ``endpoint`` point at another
Hub-compatible server; the token comes from ``HF_TOKEN`` or the stored login, as everywhere in huggingface_hub.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from spacetime.common import visible_files

REPO_TYPE = "dataset"
PRECONDITION_FAILED = 412  # the Hub's answer to a commit whose parent is no longer the branch head


def _endpoint(endpoint: str | None) -> str:
    from spacetime.dist.publish import hub_endpoint

    return hub_endpoint(endpoint)


def pull(repo_id: str, local_dir: Path, endpoint: str | None = None, token: str | None = None) -> Path:
    """Every file of ``repo_id`` (main) into ``local_dir``; a repo that does not exist yet leaves it as it is."""
    pull_head(repo_id, local_dir, endpoint, token)
    return Path(local_dir)


def pull_head(repo_id: str, local_dir: Path, endpoint: str | None = None, token: str | None = None) -> str | None:
    """Every file of ``repo_id`` as of the commit main points at now, into ``local_dir``; returns that commit's sha
    (the parent for a commit that must not land on a repo changed since), or None when the repo does not exist."""
    from huggingface_hub import HfApi, snapshot_download
    from huggingface_hub.errors import RepositoryNotFoundError

    local_dir = Path(local_dir)
    local_dir.mkdir(parents=True, exist_ok=True)
    api = HfApi(endpoint=_endpoint(endpoint), token=token)
    try:
        head = api.repo_info(repo_id, repo_type=REPO_TYPE).sha
    except RepositoryNotFoundError:
        return None
    snapshot_download(
        repo_id, repo_type=REPO_TYPE, revision=head, local_dir=local_dir, endpoint=_endpoint(endpoint), token=token
    )
    return head


def head_file(repo_id: str, path_in_repo: str, local_dir: Path, endpoint: str | None = None) -> tuple[str, Path]:
    """The sha main points at now and ``path_in_repo`` as of that commit, downloaded under ``local_dir``."""
    from huggingface_hub import HfApi, hf_hub_download

    head = HfApi(endpoint=_endpoint(endpoint)).repo_info(repo_id, repo_type=REPO_TYPE).sha
    path = hf_hub_download(
        repo_id, path_in_repo, repo_type=REPO_TYPE, revision=head, local_dir=local_dir, endpoint=_endpoint(endpoint)
    )
    return head, Path(path)


def commit_file(
    repo_id: str, path_in_repo: str, data: bytes, message: str, parent: str | None, endpoint: str | None = None
) -> str | None:
    """Commit ``data`` as ``path_in_repo`` on top of ``parent`` only: returns the new commit's sha, or None when main
    has moved past ``parent`` (the Hub answers 412, "A commit has happened since")."""
    from huggingface_hub import CommitOperationAdd, HfApi
    from huggingface_hub.errors import HfHubHTTPError

    api = HfApi(endpoint=_endpoint(endpoint))
    try:
        info = api.create_commit(
            repo_id,
            [CommitOperationAdd(path_in_repo=path_in_repo, path_or_fileobj=data)],
            commit_message=message,
            repo_type=REPO_TYPE,
            parent_commit=parent,
        )
    except HfHubHTTPError as error:
        if error.response is not None and error.response.status_code == PRECONDITION_FAILED:
            return None
        raise
    return info.oid


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
