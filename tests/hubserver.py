"""A small Hugging Face Hub-compatible server on 127.0.0.1, for tests of `spacetime publish`.

It answers just the calls ``huggingface_hub`` (2.x) makes for create_repo, list_repo_refs, list_repo_tree /
list_repo_files, repo_info, create_commit (validate-yaml, preupload, commit), create_tag and file downloads
(``/resolve/``, HEAD and GET: hf_hub_download, snapshot_download). Every file is
answered ``uploadMode: "regular"`` at preupload, so content travels base64-encoded inside the ndjson commit
payload: no LFS or Xet upload path exists here, and an ``lfsFile`` commit line is refused with 400.

Every request is recorded (method, path, query, headers, body); repositories, commits and tags live in memory.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from spacetime.pipelines.servers.loopback import LoopbackServer, Request

GITATTRIBUTES = b"*.parquet filter=lfs diff=lfs merge=lfs -text\n"
REPO_TYPES = {"models": "model", "datasets": "dataset", "spaces": "space"}
URL_PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}
REPO_ROUTE = re.compile(
    r"^/api/(models|datasets|spaces)/([^/]+/[^/]+)(?:/(refs|tree|preupload|commit|tag|revision)"
    r"(?:/([^/]+))?(?:/(.*))?)?$"
)
RESOLVE_ROUTE = re.compile(r"^/(datasets/|spaces/)?([^/]+/[^/]+)/resolve/([^/]+)/(.+)$")


def git_blob_oid(data: bytes) -> str:
    """The oid git (and the Hub) gives a regular file's content."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes


@dataclass
class Commit:
    oid: str
    parent: str | None
    summary: str
    description: str
    files: dict[str, bytes]  # the whole tree after this commit
    added: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


@dataclass
class Repo:
    repo_id: str
    repo_type: str
    private: bool
    commits: list[Commit] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)  # tag -> commit oid
    tag_messages: dict[str, str] = field(default_factory=dict)

    @property
    def head(self) -> Commit:
        return self.commits[-1]

    def resolve(self, revision: str) -> Commit | None:
        if revision == "main":
            return self.head
        if revision in self.tags:
            revision = self.tags[revision]
        for commit in self.commits:
            if len(revision) >= 7 and commit.oid.startswith(revision):
                return commit
        return None


class HubError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None, **payload: Any):
        super().__init__(message)
        self.status, self.message, self.code, self.payload = status, message, code, payload


class HubServer(LoopbackServer):
    """Start with ``with HubServer(token=...) as hub:``; point HfApi at ``hub.url``.

    ``fail[name] = (status, message)`` makes the endpoint ``name`` (create, refs, tree, preupload, commit, tag,
    validate-yaml, info) answer that error; ``{authorization}`` in the message is replaced by the request's
    Authorization header, the way a careless server or proxy might echo it. ``stall[name] = seconds`` delays it;
    ``hold[text] = threading.Event()`` keeps every call whose path holds ``text`` waiting until the test sets it.

    A commit whose header names a ``parentCommit`` lands only if that is still the head of main (a full sha or a
    prefix of 7 or more characters); otherwise it is answered 412 "A commit has happened since. Please refresh and
    try again.", as the Hub answers ``create_commit(..., parent_commit=...)``. The check and the commit happen under
    one lock, so of two commits on one parent exactly one lands.
    """

    name = "Hub server"

    def __init__(self, token: str | None = None):
        super().__init__()
        self.token = token
        self.repos: dict[tuple[str, str], Repo] = {}
        self.requests: list[Recorded] = []
        self.fail: dict[str, tuple[int, str]] = {}
        self.stall: dict[str, float] = {}
        self.hold: dict[str, threading.Event] = {}

    def respond(self, request: Request) -> None:
        headers = {k.lower(): v for k, v in request.headers.items()}
        status, extra, payload = self.handle(request.command, request.path, headers, _body(request))
        if isinstance(payload, bytes):  # a file's raw content (the /resolve/ route)
            request.send(status, payload, "application/octet-stream", headers=extra)
        else:
            request.send(status, json.dumps(payload).encode(), headers=extra)

    # --- helpers for tests ------------------------------------------------------------------------------------
    def seed_repo(
        self, repo_id: str, files: dict[str, bytes], repo_type: str = "dataset", tags: tuple[str, ...] = ()
    ) -> Repo:
        """A repo whose main branch holds ``files`` (one commit on top of the initial one), tagged ``tags``."""
        repo = self._create(repo_id, repo_type, private=False)
        tree = {**repo.head.files, **files}
        self._append_commit(repo, "seed", "", tree, added=sorted(files), deleted=[])
        for tag in tags:
            repo.tags[tag] = repo.head.oid
        return repo

    def repo(self, repo_id: str, repo_type: str = "dataset") -> Repo:
        return self.repos[(repo_type, repo_id)]

    def calls(self, method: str | None = None, contains: str = "") -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if (method is None or r.method == method) and contains in r.path]

    # --- state changes ----------------------------------------------------------------------------------------
    def _create(self, repo_id: str, repo_type: str, private: bool) -> Repo:
        repo = Repo(repo_id, repo_type, private)
        self._append_commit(
            repo, "initial commit", "", {".gitattributes": GITATTRIBUTES}, added=[".gitattributes"], deleted=[]
        )
        self.repos[(repo_type, repo_id)] = repo
        return repo

    @staticmethod
    def _append_commit(
        repo: Repo, summary: str, description: str, files: dict[str, bytes], added: list[str], deleted: list[str]
    ) -> Commit:
        parent = repo.commits[-1].oid if repo.commits else None
        h = hashlib.sha1()
        h.update(f"{parent}\n{summary}\n{description}\n{len(repo.commits)}\n".encode())
        for path in sorted(files):
            h.update(f"{path} {git_blob_oid(files[path])}\n".encode())
        commit = Commit(h.hexdigest(), parent, summary, description, files, added, deleted)
        repo.commits.append(commit)
        return commit

    # --- request handling -------------------------------------------------------------------------------------
    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, Any]:
        split = urlsplit(raw_path)
        record = Recorded(method, split.path, parse_qs(split.query), headers, body)
        with self.lock:
            self.requests.append(record)
        try:
            name, handler, args = self._route(method, split.path)
            if name in self.stall:
                time.sleep(self.stall[name])
            for text, event in list(self.hold.items()):
                if text in split.path:
                    event.wait()
            if name in self.fail:
                status, message = self.fail[name]
                raise HubError(status, message.replace("{authorization}", headers.get("authorization", "")))
            self._check_auth(headers)
            with self.lock:
                if name == "resolve":
                    return handler(*args)
                return 200, {}, handler(*args, query=record.query, body=body)
        except HubError as err:
            extra = {"X-Error-Code": err.code} if err.code else {}
            extra["X-Error-Message"] = err.message
            return err.status, extra, {"error": err.message, **err.payload}

    def _check_auth(self, headers: dict[str, str]) -> None:
        if self.token is not None and headers.get("authorization") != f"Bearer {self.token}":
            raise HubError(401, "Invalid credentials in Authorization header")

    def _route(self, method: str, path: str):
        resolve = RESOLVE_ROUTE.match(path)
        if resolve and method in ("GET", "HEAD"):
            prefix, repo_id, revision, file_path = resolve.groups()
            repo_type = REPO_TYPES[prefix.rstrip("/")] if prefix else "model"
            return "resolve", self._resolve, (repo_type, repo_id, unquote(revision), unquote(file_path))
        if (method, path) == ("POST", "/api/repos/create"):
            return "create", self._api_create, ()
        if (method, path) == ("POST", "/api/validate-yaml"):
            return "validate-yaml", self._api_validate_yaml, ()
        match = REPO_ROUTE.match(path)
        if not match:
            raise HubError(404, f"no route for {method} {path}")
        plural, repo_id, action, revision, rest = match.groups()
        repo_type = REPO_TYPES[plural]
        revision = unquote(revision) if revision else "main"
        routes = {
            ("GET", None): ("info", self._api_info),
            ("GET", "revision"): ("info", self._api_info),
            ("GET", "refs"): ("refs", self._api_refs),
            ("GET", "tree"): ("tree", self._api_tree),
            ("POST", "preupload"): ("preupload", self._api_preupload),
            ("POST", "commit"): ("commit", self._api_commit),
            ("POST", "tag"): ("tag", self._api_tag),
        }
        if (method, action) not in routes:
            raise HubError(404, f"no route for {method} {path}")
        name, handler = routes[(method, action)]
        return name, handler, (repo_type, repo_id, revision, unquote(rest or ""))

    def _existing(self, repo_type: str, repo_id: str) -> Repo:
        repo = self.repos.get((repo_type, repo_id))
        if repo is None:
            raise HubError(404, "Repository not found", code="RepoNotFound")
        return repo

    def _revision(self, repo: Repo, revision: str) -> Commit:
        commit = repo.resolve(revision)
        if commit is None:
            raise HubError(404, f"Invalid rev id: {revision}", code="RevisionNotFound")
        return commit

    def _url(self, repo: Repo) -> str:
        return f"{self.url}/{URL_PREFIX[repo.repo_type]}{repo.repo_id}"

    def _api_create(self, *, query, body) -> dict:
        payload = json.loads(body)
        repo_type = payload.get("type") or "model"
        repo_id = f"{payload['organization']}/{payload['name']}" if payload.get("organization") else payload["name"]
        if (repo_type, repo_id) in self.repos:  # the Hub names the existing repo, and create_repo reads it
            raise HubError(
                409, f"You already created this {repo_type} repo", url=self._url(self.repos[(repo_type, repo_id)])
            )
        repo = self._create(repo_id, repo_type, private=payload.get("visibility") == "private")
        return {"url": self._url(repo), "name": repo_id}

    def _api_validate_yaml(self, *, query, body) -> dict:
        content = json.loads(body)["content"]
        if not content.startswith("---\n"):
            return {"errors": [], "warnings": [{"message": "empty or missing yaml metadata in repo card"}]}
        return {"errors": [], "warnings": []}

    def _api_info(self, repo_type, repo_id, revision, rest, *, query, body) -> dict:
        repo = self._existing(repo_type, repo_id)
        commit = self._revision(repo, revision)
        return {
            "id": repo.repo_id,
            "sha": commit.oid,
            "private": repo.private,
            "siblings": [{"rfilename": p} for p in sorted(commit.files)],
        }

    def _resolve(self, repo_type, repo_id, revision, path) -> tuple[int, dict, bytes]:
        """A file's bytes (raw, not JSON), with the headers hf_hub_download reads."""
        commit = self._revision(self._existing(repo_type, repo_id), revision)
        if path not in commit.files:
            raise HubError(404, f"Entry not found: {path}", code="EntryNotFound")
        data = commit.files[path]
        return 200, {"X-Repo-Commit": commit.oid, "ETag": f'"{git_blob_oid(data)}"'}, data

    def _api_refs(self, repo_type, repo_id, revision, rest, *, query, body) -> dict:
        repo = self._existing(repo_type, repo_id)
        return {
            "branches": [{"name": "main", "ref": "refs/heads/main", "targetCommit": repo.head.oid}],
            "converts": [],
            "tags": [{"name": t, "ref": f"refs/tags/{t}", "targetCommit": oid} for t, oid in repo.tags.items()],
            "pullRequests": [],
        }

    def _api_tree(self, repo_type, repo_id, revision, rest, *, query, body) -> list[dict]:
        repo = self._existing(repo_type, repo_id)
        files = self._revision(repo, revision).files
        recursive = query.get("recursive", ["false"])[0].lower() in ("true", "1")
        prefix = f"{rest.rstrip('/')}/" if rest else ""
        entries: dict[str, dict] = {}
        for path, data in sorted(files.items()):
            if not path.startswith(prefix):
                continue
            parts = path[len(prefix) :].split("/")
            for depth in range(1, len(parts)):
                folder = prefix + "/".join(parts[:depth])
                if recursive or depth == 1:
                    entries.setdefault(
                        folder,
                        {
                            "type": "directory",
                            "path": folder,
                            "size": 0,
                            "oid": hashlib.sha1(folder.encode()).hexdigest(),
                        },
                    )
            if recursive or len(parts) == 1:
                entries[path] = {"type": "file", "path": path, "size": len(data), "oid": git_blob_oid(data)}
        return list(entries.values())

    def _api_preupload(self, repo_type, repo_id, revision, rest, *, query, body) -> dict:
        repo = self._existing(repo_type, repo_id)
        current = self._revision(repo, revision).files
        answers = []
        for item in json.loads(body)["files"]:
            remote = current.get(item["path"])
            answers.append(
                {
                    "path": item["path"],
                    "uploadMode": "regular",
                    "shouldIgnore": False,
                    "oid": git_blob_oid(remote) if remote is not None else None,
                }
            )
        return {"files": answers, "commitOid": repo.head.oid}

    def _api_commit(self, repo_type, repo_id, revision, rest, *, query, body) -> dict:
        repo = self._existing(repo_type, repo_id)
        if revision != "main":
            raise HubError(400, f"this test server commits to main only, not {revision}")
        lines = [json.loads(line) for line in body.decode("utf-8").splitlines() if line.strip()]
        if not lines or lines[0].get("key") != "header":
            raise HubError(400, "the first ndjson line must be the header")
        header = lines[0]["value"]
        parent = header.get("parentCommit")
        if parent and (len(parent) < 7 or not repo.head.oid.startswith(parent)):
            raise HubError(412, "A commit has happened since. Please refresh and try again.")
        tree, added, deleted = dict(repo.head.files), [], []
        for line in lines[1:]:
            key, value = line["key"], line["value"]
            if key == "file":
                if value.get("encoding") != "base64":
                    raise HubError(400, f"unsupported encoding for {value['path']}")
                tree[value["path"]] = base64.b64decode(value["content"])
                added.append(value["path"])
            elif key == "deletedFile":
                if value["path"] not in tree:
                    raise HubError(404, "A file with this name doesn't exist", code="EntryNotFound")
                del tree[value["path"]]
                deleted.append(value["path"])
            elif key == "deletedFolder":
                folder = value["path"].rstrip("/") + "/"
                gone = [p for p in tree if p.startswith(folder)]
                for path in gone:
                    del tree[path]
                deleted.extend(gone)
            else:
                raise HubError(400, f"this test server does not accept {key!r} lines (no LFS/Xet storage)")
        commit = self._append_commit(
            repo, header.get("summary", ""), header.get("description", ""), tree, added, deleted
        )
        return {
            "success": True,
            "commitOid": commit.oid,
            "commitUrl": f"{self._url(repo)}/commit/{commit.oid}",
            "hookOutput": "",
        }

    def _api_tag(self, repo_type, repo_id, revision, rest, *, query, body) -> dict:
        repo = self._existing(repo_type, repo_id)
        commit = self._revision(repo, revision)
        payload = json.loads(body)
        if payload["tag"] in repo.tags:
            raise HubError(409, f"Tag {payload['tag']} already exists")
        repo.tags[payload["tag"]] = commit.oid
        repo.tag_messages[payload["tag"]] = payload.get("message", "")
        return {}


def _body(request: Request) -> bytes:
    """The request body, sent with a Content-Length or chunked."""
    if request.headers.get("Transfer-Encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int(request.rfile.readline().strip() or b"0", 16)
            if size == 0:
                request.rfile.readline()
                return b"".join(chunks)
            chunks.append(request.rfile.read(size))
            request.rfile.readline()
    return request.rfile.read(int(request.headers.get("Content-Length") or 0))
