"""What names a release: the Hub dataset repo it stands for and a revision that changes only with its data."""

from __future__ import annotations

import hashlib
from pathlib import Path

# The Hub dataset repo a local release folder stands for (`spacetime publish --repo-id`), unless one is named.
DEFAULT_DATASET_REPO = "llm-spacetime/llm-spacetime"
DATA_DIR = "data"


def data_files_sha256(folder: Path) -> str:
    """sha256 over the release's data files (relative path and content sha256 of each, sorted by path): the same
    for every build of the same data, whatever ``release.json`` and the card say about when it was built."""
    from spacetime.common import file_sha256, visible_files

    # Only a hidden file name is skipped here (a file in a hidden folder under data/ counts): revisions already
    # published were computed so.
    files = visible_files(folder / DATA_DIR, in_hidden_folders=True)
    if not files:
        raise FileNotFoundError(f"{folder}: no files under {DATA_DIR}/; not a release folder (run `spacetime package`)")
    h = hashlib.sha256()
    for path in files:
        h.update(f"{path.relative_to(folder).as_posix()}\0{file_sha256(path)}\n".encode())
    return h.hexdigest()


def dataset_identity(
    source: str | Path, revision: str | None = None, timeout: float = 30.0, repo: str | None = None
) -> dict[str, str]:
    """``{"dataset_repo", "dataset_revision"}`` of a release folder or a Hub dataset repo.

    A folder's revision is ``data-sha256:`` + :func:`data_files_sha256` (its contents only) unless ``revision``
    names one, and its repo is ``repo`` (default: :data:`DEFAULT_DATASET_REPO`), never the folder's name; a Hub
    repo's revision is the commit sha that ``revision`` (default: main) resolves to."""
    path = Path(source)
    if path.is_dir():
        repo = repo or DEFAULT_DATASET_REPO
        if revision:
            return {"dataset_repo": repo, "dataset_revision": revision}
        return {"dataset_repo": repo, "dataset_revision": f"data-sha256:{data_files_sha256(path)}"}
    from huggingface_hub import HfApi

    info = HfApi().dataset_info(str(source), revision=revision, timeout=timeout)
    return {"dataset_repo": str(source), "dataset_revision": info.sha or revision or "main"}
