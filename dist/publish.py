"""`spacetime publish`: push a validated Hub-layout release folder to the Hugging Face Hub as one commit plus a tag.

Refuses unless the validation report passed on exactly the folder's files. Dry-run by default (no network);
with ``--yes``: create the dataset repo if missing, refuse if the tag exists, make ONE commit that adds or
replaces every file and deletes data files the remote has but the folder lacks, then tag that commit.

The token comes from ``HF_TOKEN`` or huggingface_hub's stored login and is masked in everything this module
prints or raises. ``HF_ENDPOINT`` or ``--endpoint`` points at another Hub-compatible server.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from spacetime import options as opt
from spacetime.common import file_sha256, human_size, masked_in_logs, redact, visible_files
from spacetime.errors import SpacetimeError
from spacetime.layout import Layout

log = logging.getLogger(__name__)

REPO_TYPE = "dataset"
DATA_DIR = "data/"
CARD = "README.md"
DEFAULT_FOLDER = Layout().release
DEFAULT_ENDPOINT = "https://huggingface.co"
DEFAULT_TIMEOUT = 300.0  # seconds per network read/write; a big commit can take the Hub a while to answer
CONNECT_TIMEOUT = 30.0
TAG_PATTERN = re.compile(r"^v\d+\.\d+(?:\.\d+)?(?:[-+][0-9A-Za-z.-]+)?$")
REPO_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")
MASK = "hf_***"


class ValidationNotPassed(SpacetimeError):
    """The validation report is missing, failed, or does not describe exactly the folder's current files."""


class PublishError(SpacetimeError):
    """Publishing was refused or failed; the message never contains the token."""


# --- validation gate ------------------------------------------------------------------------------------------


def default_report_path(folder: Path) -> Path:
    """Where `spacetime validate --out OUT` writes its report when FOLDER is OUT/release."""
    return Layout(Path(folder).parent).validation / "report.json"


def local_files(folder: Path) -> list[str]:
    """The folder's files as repo paths, sorted; hidden files and folders (temp files, caches) are not released.

    The one listing of a release's files: the validation report's checksums and this gate both read it."""
    folder = Path(folder)
    return sorted(path.relative_to(folder).as_posix() for path in visible_files(folder))


def check_validated(folder: Path, report_path: Path | None = None) -> dict:
    """Return the report if validation passed on exactly the folder's files, else raise ValidationNotPassed."""
    folder = Path(folder)
    report_path = Path(report_path) if report_path else default_report_path(folder)
    if not folder.is_dir():
        raise ValidationNotPassed(f"{folder} is not a folder")
    report = _read_report(report_path, folder)
    problems = _report_problems(report, folder)
    if problems:
        listed = "\n  - ".join(problems)
        raise ValidationNotPassed(
            f"validation has not passed on exactly the files in {folder} (report {report_path}):\n  - {listed}\n"
            f"Re-run `spacetime validate` on this folder, then publish."
        )
    return report


def _read_report(report_path: Path, folder: Path) -> dict:
    if not report_path.is_file():
        raise ValidationNotPassed(
            f"no validation report at {report_path}: run `spacetime validate` on {folder} first (or pass --report PATH)"
        )
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValidationNotPassed(f"validation report {report_path} is not readable JSON: {err}") from None
    if not isinstance(report, dict):
        raise ValidationNotPassed(f"validation report {report_path} is not a JSON object")
    return report


def _report_problems(report: dict, folder: Path) -> list[str]:
    problems = []
    if report.get("passed") is not True:
        problems.append(f"the report says validation did not pass (passed={report.get('passed')!r})")
    datasets = report.get("datasets") or {}
    failing = sorted(
        name for name, result in datasets.items() if not (isinstance(result, dict) and result.get("passed") is True)
    )
    if failing:
        problems.append(f"datasets that failed validation: {', '.join(failing)}")
    # The report's folder is informational: a copied release publishes when every file's checksum matches.
    files = report.get("files")
    if not isinstance(files, dict) or not files:
        problems.append("the report lists no files")
    else:
        problems.extend(_file_differences(folder, files))
    unvalidated = sorted(set(_configs_on_disk(folder)) - set(datasets)) if datasets else []
    if unvalidated:
        problems.append(f"configs under data/ the report does not cover: {', '.join(unvalidated)}")
    return problems


def _file_differences(folder: Path, reported: dict[str, str]) -> list[str]:
    """Files added, removed or changed since validation: every file publish would upload, card and metadata too."""
    on_disk = set(local_files(folder))
    problems = [f"added since validation: {p}" for p in sorted(on_disk - set(reported))]
    for path, expected in sorted(reported.items()):
        target = folder / path
        if not target.is_file():
            problems.append(f"removed since validation: {path}")
        elif file_sha256(target) != expected:
            problems.append(f"changed since validation: {path} (sha256 differs from the report)")
    return problems


def _configs_on_disk(folder: Path) -> list[str]:
    data = folder / "data"
    return sorted(p.name for p in data.iterdir() if p.is_dir() and not p.name.startswith(".")) if data.is_dir() else []


# --- plan -----------------------------------------------------------------------------------------------------


def stale_data_files(remote_files: list[str], local: list[str]) -> list[str]:
    """Remote files under data/ that the folder no longer has: deleted in the release commit."""
    keep = set(local)
    return sorted(p for p in remote_files if p.startswith(DATA_DIR) and p not in keep)


def commit_message(tag: str, report: dict) -> tuple[str, str]:
    """Summary line and description of the release commit."""
    datasets = ", ".join(sorted(report.get("datasets") or {})) or "all configs"
    summary = f"Release {tag}"
    description = f"Datasets: {datasets}. Validated at {report.get('validated_at', 'unknown time')}."
    return summary, description


def _check_names(repo_id: str, tag: str) -> None:
    if not REPO_ID_PATTERN.match(repo_id or ""):
        raise PublishError(f"--repo-id must look like ORG/NAME, got {repo_id!r}")
    if not TAG_PATTERN.match(tag or ""):
        raise PublishError(f"--tag must look like vX.Y or vX.Y.Z (optionally -suffix), got {tag!r}")


def _require_card(files: list[str], folder: Path) -> None:
    if CARD not in files:
        raise PublishError(f"{folder} has no {CARD}: a dataset repo needs its card (run `spacetime package`)")


def _size(path: Path) -> str:
    return human_size(path.stat().st_size)


# --- token hygiene --------------------------------------------------------------------------------------------


def _resolve_token(token: str | None) -> str:
    if not token:
        from huggingface_hub import get_token

        token = get_token()
    if not token:
        raise PublishError("no Hugging Face token: set HF_TOKEN or log in with `hf auth login`")
    return token


@contextlib.contextmanager
def _hub_timeouts(seconds: float) -> Iterator[None]:
    """Give every request huggingface_hub sends a timeout: its shared client (public ``get_session``) has none, and
    HfApi passes none for commits. A request hook sets httpx's documented ``timeout`` request extension (connect,
    read, write, pool), overriding the per-call value, which may be None. If huggingface_hub replaces its client
    meanwhile (it does after an SSL error), requests on the new client go without the hook."""
    from huggingface_hub import get_session

    timeout = {"connect": min(seconds, CONNECT_TIMEOUT), "read": seconds, "write": seconds, "pool": seconds}

    def force_timeout(request) -> None:
        request.extensions["timeout"] = timeout

    client = get_session()
    hooks = client.event_hooks
    hooks["request"] = [*hooks.get("request", []), force_timeout]
    client.event_hooks = hooks
    try:
        yield
    finally:
        hooks = client.event_hooks
        hooks["request"] = [hook for hook in hooks.get("request", []) if hook is not force_timeout]
        client.event_hooks = hooks


# --- the endpoint ---------------------------------------------------------------------------------------------


def hub_endpoint(endpoint: str | None) -> str:
    """The Hub to talk to (``endpoint``, else ``HF_ENDPOINT``, else huggingface.co), and the only one contacted.

    huggingface_hub sends some requests to its own default endpoint (fixed at import), whatever endpoint a call is
    given: building the first request's User-Agent fetches an agent-harness registry from it, and its telemetry goes
    there. Its documented switch for both, ``HF_HUB_DISABLE_TELEMETRY``, is turned on (for the process) when the Hub
    named here is another host. Every command that talks to a Hub resolves its endpoint here."""
    from huggingface_hub import constants

    resolved = (endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")
    if resolved != constants.ENDPOINT:
        constants.HF_HUB_DISABLE_TELEMETRY = True
    return resolved


# --- publish --------------------------------------------------------------------------------------------------


def publish(
    folder: Path,
    repo_id: str,
    tag: str,
    report_path: Path | None = None,
    yes: bool = False,
    endpoint: str | None = None,
    token: str | None = None,
    private: bool = False,
    echo: Callable[[str], Any] = print,
    check_remote: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> dict:
    """Plan (dry run) or perform the release of ``folder`` to ``repo_id`` tagged ``tag``; return the plan/result.

    ``check_remote`` lets a dry run read the remote (files, tags) to list exact deletions; it never writes.
    """
    folder = Path(folder)
    _check_names(repo_id, tag)
    report = check_validated(folder, report_path)
    files = local_files(folder)
    _require_card(files, folder)
    endpoint = hub_endpoint(endpoint)
    summary, description = commit_message(tag, report)
    plan: dict[str, Any] = {
        "dry_run": not yes,
        "repo_id": repo_id,
        "repo_type": REPO_TYPE,
        "endpoint": endpoint,
        "private": private,
        "folder": str(folder.resolve()),
        "files": files,
        "delete": None,
        "tag": tag,
        "commit_message": summary,
        "commit_description": description,
        "commit_oid": None,
        "commit_url": None,
        "new_commit": None,
    }
    n_data = sum(p.startswith(DATA_DIR) for p in files)
    secret = _resolve_token(token) if (yes or check_remote) else token

    def say(line: str) -> None:
        echo(redact(line, secret, mask=MASK))

    say(
        f"Validation passed on these exact files: {n_data} data files unchanged since "
        f"{report.get('validated_at', 'validation')}."
    )
    try:
        with masked_in_logs(secret, MASK), _hub_timeouts(timeout):
            if yes:
                return _release(plan, folder, secret, say)
            if check_remote:
                _read_remote(plan, secret)
    except PublishError as err:
        raise PublishError(redact(str(err), secret, mask=MASK)) from None
    except Exception as err:  # huggingface_hub / network errors: re-raised without the token, without the chain
        step = plan.get("step", "reading the remote")
        landed = " Nothing was committed." if plan["commit_oid"] is None else ""
        raise PublishError(redact(f"{step} failed: {type(err).__name__}: {err}.{landed}", secret, mask=MASK)) from None
    _print_plan(plan, folder, say)
    return plan


def _api(endpoint: str, token: str):
    from huggingface_hub import HfApi

    from spacetime import __version__

    return HfApi(endpoint=endpoint, token=token, library_name="llm-spacetime", library_version=__version__)


def _read_remote(plan: dict, token: str) -> None:
    """Dry run with --check-remote: read (never write) the remote's tags and files."""
    from huggingface_hub.errors import RepositoryNotFoundError

    api = _api(plan["endpoint"], token)
    try:
        refs = api.list_repo_refs(plan["repo_id"], repo_type=REPO_TYPE)
    except RepositoryNotFoundError:
        plan["remote_exists"], plan["delete"] = False, []
        return
    plan["remote_exists"] = True
    _refuse_existing_tag(plan, refs)
    head = _main_head(refs)
    remote = api.list_repo_files(plan["repo_id"], repo_type=REPO_TYPE, revision=head)
    plan["delete"] = stale_data_files(remote, plan["files"])


def _refuse_existing_tag(plan: dict, refs) -> None:
    existing = {t.name: t.target_commit for t in refs.tags}
    if plan["tag"] in existing:
        raise PublishError(
            f"tag {plan['tag']} already exists on {plan['repo_id']} (it points at {existing[plan['tag']]}); "
            f"a release tag is never moved: pick a new version. Nothing was committed."
        )


def _main_head(refs) -> str | None:
    return next((b.target_commit for b in refs.branches if b.name == "main"), None)


def _release(plan: dict, folder: Path, token: str, say: Callable[[str], Any]) -> dict:
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete

    api = _api(plan["endpoint"], token)
    repo_id = plan["repo_id"]
    plan["step"] = "creating the repo"
    api.create_repo(repo_id, repo_type=REPO_TYPE, private=plan["private"], exist_ok=True)
    plan["step"] = "reading the remote's tags"
    refs = api.list_repo_refs(repo_id, repo_type=REPO_TYPE)
    _refuse_existing_tag(plan, refs)
    head = _main_head(refs)
    plan["step"] = "listing the remote's files"
    remote = api.list_repo_files(repo_id, repo_type=REPO_TYPE, revision=head)
    plan["delete"] = stale_data_files(remote, plan["files"])
    operations = [CommitOperationAdd(path_in_repo=p, path_or_fileobj=str(folder / p)) for p in plan["files"]]
    operations += [CommitOperationDelete(path_in_repo=p) for p in plan["delete"]]
    say(
        f"Committing {len(plan['files'])} files and deleting {len(plan['delete'])} stale data files "
        f"on {repo_id} in one commit ..."
    )
    # parent_commit: the Hub refuses the commit if main moved since we listed its files.
    plan["step"] = "committing"
    info = api.create_commit(
        repo_id,
        operations,
        commit_message=plan["commit_message"],
        commit_description=plan["commit_description"],
        repo_type=REPO_TYPE,
        parent_commit=head,
    )
    plan.update(commit_oid=info.oid, commit_url=info.commit_url, new_commit=info.oid != head)
    if not plan["new_commit"]:
        say("The remote already holds exactly these files: no new commit, the tag goes on the current head.")
    plan["step"] = "tagging"
    try:
        api.create_tag(
            repo_id, tag=plan["tag"], revision=info.oid, tag_message=plan["commit_message"], repo_type=REPO_TYPE
        )
    except Exception as err:
        raise PublishError(
            f"commit {info.oid} is on main but tagging it {plan['tag']} failed ({type(err).__name__}: {err}). "
            f"Re-running the same publish command tags it without a new commit."
        ) from None
    plan["tag_url"] = f"{plan['endpoint']}/datasets/{repo_id}/tree/{plan['tag']}"
    say(f"Commit: {info.commit_url}")
    say(f"Tag: {plan['tag']} -> {info.oid} ({plan['tag_url']})")
    del plan["step"]
    return plan


def _print_plan(plan: dict, folder: Path, say: Callable[[str], Any]) -> None:
    visibility = "private" if plan["private"] else "public"
    contact = "only read from" if "remote_exists" in plan else "sent to"
    say(f"Dry run: nothing was {contact} {plan['endpoint']}. Re-run with --yes to publish.")
    say(f"Would publish {plan['folder']} to dataset repo {plan['repo_id']}:")
    if plan.get("remote_exists") is False:
        say(f"  1. create the dataset repo {plan['repo_id']} ({visibility}): it does not exist yet")
    else:
        say(
            f"  1. create the dataset repo {plan['repo_id']} if it does not exist ({visibility}; "
            f"an existing repo keeps its visibility)"
        )
    say(f'  2. one commit on main: "{plan["commit_message"]}" ({plan["commit_description"]})')
    for path in plan["files"]:
        say(f"       add or replace {path} ({_size(folder / path)})")
    if plan["delete"] is None:
        say(
            "       would delete stale files found on the remote under data/ (the remote is not read in a dry run; "
            "--check-remote lists them)"
        )
    else:
        for path in plan["delete"]:
            say(f"       delete {path} (on the remote, not in the folder)")
        if not plan["delete"]:
            say("       no stale data files on the remote")
    say(f"  3. tag {plan['tag']} on that commit (refused before committing if {plan['tag']} already exists)")


# --- command line ---------------------------------------------------------------------------------------------


@click.command("publish")
@opt.publish_options()
@click.option("--tag", required=True, help="Release tag, vX.Y (never moved once published).")
@opt.out_option("Output root: publishes the release folder OUT/release/ validated by OUT/validation/report.json.")
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Validation report [default: OUT/validation/report.json].",
)
@click.option(
    "--check-remote",
    is_flag=True,
    help="In a dry run, read the remote's files and tags to list exact deletions (writes nothing).",
)
@click.option(
    "--timeout",
    type=float,
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help="Seconds allowed per network read or write.",
)
def publish_command(repo_id, tag, out, report_path, yes, check_remote, endpoint, private, timeout) -> None:
    """Publish the validated release folder OUT/release/ to the Hub as one commit plus a tag (dry run unless --yes).

    The token comes from HF_TOKEN or the stored `hf auth login`; it is never printed (a refusal or failure is a
    SpacetimeError whose message has the token masked, shown by the CLI as one line).
    """
    layout = Layout(out)
    publish(
        layout.release,
        repo_id,
        tag,
        report_path=report_path or layout.validation / "report.json",
        yes=yes,
        endpoint=endpoint,
        private=private,
        echo=click.echo,
        check_remote=check_remote,
        timeout=timeout,
    )
