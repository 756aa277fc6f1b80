"""`spacetime publish-activations`: push an activation release folder to a Hub dataset repo, resumably.

Refuses a folder whose files do not match ``activations.json`` (sha256 of every file, and no file it does not list).
Dry run by default. With ``--yes``: create the repo if missing, upload the data files with ``HfApi.upload_folder``,
then one last commit with the card, the plots and ``activations.json`` that also deletes data files the remote has
and the release lacks, so the repo's metadata only ever describes data that is already there.

Why ``upload_folder``: in huggingface_hub 2.x it is the resumable path for large folders (``upload_large_folder``
is gone; its job moved here). With ``hf_xet`` installed it uploads through a pipeline that commits in batches
(up to about 256 files or 100 MB of small files per commit, adapted to how fast the Hub answers), asks the Hub what
it already holds (``preupload`` returns each file's remote oid) and drops unchanged files before committing. It
keeps no state in the local folder: after a kill, re-running the same command sends again only the files no commit
landed (files already committed are skipped; Xet deduplicates the chunks of those uploaded but not committed).
``files_per_commit`` splits the data files into several ``upload_folder`` calls, for a checkpoint every N files.

The token comes from ``HF_TOKEN`` only and is masked in everything printed or raised.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from spacetime.common import masked_in_logs, redact
from spacetime.dist.publish import (
    DEFAULT_TIMEOUT,
    MASK,
    REPO_ID_PATTERN,
    PublishError,
    _hub_timeouts,
    hub_endpoint,
)

from .release import DATA_DIR, METADATA, verify_release

REPO_TYPE = "dataset"
IGNORE = [".*", "*/.*"]  # temp files and caches are never uploaded


def publish_plan(folder: Path, repo_id: str, endpoint: str | None = None, private: bool = False) -> dict[str, Any]:
    """What would be published, after checking every file against ``activations.json``."""
    folder = Path(folder)
    if not REPO_ID_PATTERN.match(repo_id or ""):
        raise PublishError(f"--repo-id must look like ORG/NAME, got {repo_id!r}")
    release = verify_release(folder)
    files = sorted(release["files"])
    data = [p for p in files if p.startswith(f"{DATA_DIR}/")]
    return {
        "folder": str(folder.resolve()),
        "repo_id": repo_id,
        "repo_type": REPO_TYPE,
        "endpoint": hub_endpoint(endpoint),
        "private": private,
        "model": release.get("model"),
        "data_files": data,
        "last_commit": [p for p in files if p not in data] + [METADATA],
        "bytes": sum((folder / p).stat().st_size for p in files),
        "dry_run": True,
    }


def publish_activation_release(
    folder: Path,
    repo_id: str,
    yes: bool = False,
    endpoint: str | None = None,
    token: str | None = None,
    private: bool = False,
    files_per_commit: int | None = None,
    echo: Callable[[str], Any] = print,
    timeout: float = DEFAULT_TIMEOUT,
) -> dict[str, Any]:
    """Plan (dry run) or publish the release ``folder`` to ``repo_id``; returns the plan, with the last commit's oid
    once published. Re-running after an interruption resumes (see the module docstring)."""
    folder = Path(folder)
    plan = publish_plan(folder, repo_id, endpoint, private)
    n_data = len(plan["data_files"])
    if not yes:
        echo(f"Dry run: nothing was sent to {plan['endpoint']}. Re-run with --yes to publish.")
        echo(
            f"Would publish {plan['folder']} ({plan['bytes'] / 1e6:.1f} MB, every file matches {METADATA}) to "
            f"dataset repo {repo_id}: {n_data} data files, then {', '.join(plan['last_commit'])} in a last commit."
        )
        return plan
    if files_per_commit is not None and files_per_commit < 1:
        raise PublishError("files per commit must be positive")
    secret = token or os.environ.get("HF_TOKEN")
    if not secret:
        raise PublishError("no Hugging Face token: set HF_TOKEN")
    plan["dry_run"] = False
    try:
        with masked_in_logs(secret, MASK), _hub_timeouts(timeout):
            _upload(plan, folder, secret, files_per_commit, lambda line: echo(redact(line, secret, mask=MASK)))
    except PublishError as err:
        raise PublishError(redact(str(err), secret, mask=MASK)) from None
    except Exception as err:  # huggingface_hub / network errors, without the token and without the chain
        raise PublishError(
            redact(
                f"{plan.get('step', 'publishing')} failed: {type(err).__name__}: {err}. Re-run the same command to "
                f"resume: files already committed are not sent again",
                secret,
                mask=MASK,
            )
        ) from None
    return plan


def _upload(plan: dict, folder: Path, token: str, files_per_commit: int | None, say: Callable[[str], Any]) -> None:
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi

    from spacetime import __version__

    api = HfApi(endpoint=plan["endpoint"], token=token, library_name="llm-spacetime", library_version=__version__)
    repo_id = plan["repo_id"]
    plan["step"] = "creating the repo"
    api.create_repo(repo_id, repo_type=REPO_TYPE, private=plan["private"], exist_ok=True)
    data = plan["data_files"]
    size = files_per_commit or max(1, len(data))
    groups = [data[i : i + size] for i in range(0, len(data), size)]
    for number, group in enumerate(groups, 1):
        plan["step"] = f"uploading data files (part {number} of {len(groups)})"
        say(f"Uploading {len(group)} data files (part {number} of {len(groups)}) to {repo_id} ...")
        api.upload_folder(
            repo_id=repo_id,
            repo_type=REPO_TYPE,
            folder_path=str(folder),
            allow_patterns=[f"{DATA_DIR}/*"] if len(groups) == 1 else group,
            ignore_patterns=list(IGNORE),
            commit_message=f"Add activations of {plan['model']} (part {number} of {len(groups)})",
        )
    plan["step"] = "listing the remote's files"
    keep = set(data) | set(plan["last_commit"])
    remote = api.list_repo_files(repo_id, repo_type=REPO_TYPE)
    plan["deleted"] = sorted(p for p in remote if p.startswith((f"{DATA_DIR}/", "plots/")) and p not in keep)
    operations = [CommitOperationAdd(path_in_repo=p, path_or_fileobj=str(folder / p)) for p in plan["last_commit"]]
    operations += [CommitOperationDelete(path_in_repo=p) for p in plan["deleted"]]
    plan["step"] = "committing the card and activations.json"
    info = api.create_commit(
        repo_id, operations, commit_message=f"Activations of {plan['model']}: card and metadata", repo_type=REPO_TYPE
    )
    plan.update(commit_oid=info.oid, commit_url=info.commit_url)
    del plan["step"]
    say(f"Published: {info.commit_url} ({len(plan['deleted'])} stale files deleted)")
