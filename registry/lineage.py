"""Lineage graphs, download-size cost and license compatibility of registered artifacts.

The graph is walked breadth-first, one level at a time, with ONE batched store call per level and direction:
ancestors through `find_by_source` (the parents' canonical URLs a level declares), descendants through
`find_children` (the level's own canonical URLs).  A visited set makes cycles and self-references harmless;
the depth is capped (`MAX_DEPTH`) and so is the number of nodes (`MAX_NODES`, then `TooLarge`).

Nodes are registered artifacts (their id) or external references: declared parents nobody has ingested, with
the stable id ``ext-`` + the first 16 hex digits of the sha1 of their canonical URL (matches ^[a-zA-Z0-9-]+$).
Edges point from parent to child.  Because parents are resolved by URL at query time, a parent ingested after
its child appears as a registered node without re-ingesting the child.  A URL resolves to the newest registered
version of each name ingested from it (and a walk down shows the newest version of each child name): older
versions are reached by their own ids.

BOTH is the union of the ancestor walk and the descendant walk from the queried artifact (not descendants of
ancestors: that would be the whole connected component).
"""
from __future__ import annotations

import enum
import hashlib
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from registry.errors import InvalidInput, TooLarge
from registry.model import Artifact, ArtifactType, FileEntry, HubSource, UploadSource, User
from registry.paging import newest_versions
from registry.ports import ArtifactStore
from registry.sourcing import upstream_errors
from registry.validation import check_part
from scoring.compat import CompatibilityVerdict, check_compatibility
from scoring.license import declared_license
from scoring.errors import InvalidSourceURL
from scoring.gather import GitHubReader
from scoring.lineage import DeclaredEdge, Relation, declared_parents
from scoring.parts import PackagePart, in_part
from scoring.sources.types import GitHubRepo, HubRepo, RepoFile, SourceRef
from scoring.sources.url import parse_source_url

if TYPE_CHECKING:
    from registry.artifacts import ArtifactService

DEFAULT_DEPTH = 3
MAX_DEPTH = 10
MAX_NODES = 50_000
BYTES_PER_MB = 1_000_000  # decimal megabytes, as download sizes are usually quoted
ROOT_SOURCE = "registry"  # provenance of the queried artifact's own node

_KIND_TYPES: dict[str, ArtifactType] = {"hf_model": ArtifactType.MODEL, "hf_dataset": ArtifactType.DATASET,
                                        "github": ArtifactType.CODE}
_KIND_RELATIONS: dict[str, Relation] = {"hf_model": "base_model", "hf_dataset": "fine_tuning_dataset",
                                        "github": "code"}


class LineageDirection(str, enum.Enum):
    ANCESTORS = "ancestors"
    DESCENDANTS = "descendants"
    BOTH = "both"


@dataclass(frozen=True)
class LineageNode:
    artifact_id: str
    name: str
    type: ArtifactType
    source_url: str | None
    external: bool
    source: str  # how it was discovered: "registry" (the queried one), "card.base_model", "config._name_or_path"...


@dataclass(frozen=True)
class LineageEdge:
    parent_id: str  # upstream ("from")
    child_id: str  # downstream ("to")
    relation: str
    source: str


@dataclass(frozen=True)
class LineageGraph:
    root_id: str
    nodes: list[LineageNode]
    edges: list[LineageEdge]
    depth: int  # the depth actually walked (after the cap)


@dataclass(frozen=True)
class CostEntry:
    """Download size in MB (bytes / 1e6) of one artifact alone and with everything it depends on."""

    artifact_id: str
    name: str
    standalone_mb: float
    total_mb: float
    external: bool = False
    note: str | None = None


@dataclass(frozen=True)
class _Link:
    """A parent declared by an artifact: the URL it named, how, and the edge's relation."""

    url: str
    relation: str
    source: str


@dataclass
class _Builder:
    """Accumulates nodes and edges, each once; refuses to grow past `max_nodes`."""

    max_nodes: int
    nodes: dict[str, LineageNode] = field(default_factory=dict)
    edges: dict[tuple[str, str, str], LineageEdge] = field(default_factory=dict)

    def add_artifact(self, artifact: Artifact, source: str) -> None:
        if artifact.id not in self.nodes:
            self._add(LineageNode(artifact.id, artifact.name, artifact.type, artifact.source_url, False, source))

    def add_external(self, url: str, source: str) -> str:
        node_id = external_id(url)
        if node_id not in self.nodes:
            ref = _ref(url)
            name = ref.repo_id if ref else url
            kind_type = _KIND_TYPES[ref.kind] if ref else ArtifactType.MODEL
            self._add(LineageNode(node_id, name, kind_type, url, True, source))
        return node_id

    def add_edge(self, parent_id: str, child_id: str, relation: str, source: str) -> None:
        if parent_id != child_id:
            self.edges.setdefault((parent_id, child_id, relation), LineageEdge(parent_id, child_id, relation, source))

    def _add(self, node: LineageNode) -> None:
        if len(self.nodes) >= self.max_nodes:
            raise TooLarge(f"the lineage graph has more than {self.max_nodes} nodes; ask for a smaller depth")
        self.nodes[node.artifact_id] = node


class LineageService:
    """Lineage graph, cost and license check of registered artifacts (SEARCH permission, like any read)."""

    def __init__(self, store: ArtifactStore, artifacts: ArtifactService, github: GitHubReader,
                 max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES) -> None:
        self._store = store
        self._artifacts = artifacts
        self._github = github
        self._max_depth = max_depth
        self._max_nodes = max_nodes

    # lineage ---------------------------------------------------------------------------------------------------
    def graph(self, actor: User, artifact_id: str, depth: int = DEFAULT_DEPTH,
              direction: LineageDirection = LineageDirection.BOTH) -> LineageGraph:
        """The artifact with its ancestors and/or descendants up to `depth` levels (capped at `max_depth`)."""
        root = self._artifacts.get(actor, artifact_id)
        levels = self._levels(depth)
        builder = _Builder(self._max_nodes)
        builder.add_artifact(root, ROOT_SOURCE)
        if direction in (LineageDirection.ANCESTORS, LineageDirection.BOTH):
            self._walk_ancestors(builder, [root], levels)
        if direction in (LineageDirection.DESCENDANTS, LineageDirection.BOTH):
            self._walk_descendants(builder, [root], levels)
        return LineageGraph(root.id, list(builder.nodes.values()), list(builder.edges.values()), levels)

    def _levels(self, depth: int) -> int:
        if depth < 0:
            raise InvalidInput("depth must be 0 or more")
        return min(depth, self._max_depth)

    def _walk_ancestors(self, builder: _Builder, frontier: list[Artifact], levels: int) -> dict[str, Artifact]:
        """Walk up `levels` levels; returns every registered artifact reached (the start included).

        Each walk keeps its own visited set (`reached`), so BOTH walks down from nodes the walk up has seen.
        """
        reached = {artifact.id: artifact for artifact in frontier}
        for _ in range(levels):
            wanted: dict[str, list[tuple[Artifact, _Link]]] = {}
            for child in frontier:
                for link in parent_links(child):
                    wanted.setdefault(link.url, []).append((child, link))
            if not wanted:
                break
            found = self._store.find_by_source(list(wanted))
            frontier = []
            for url, children in wanted.items():
                for child, link in children:
                    for parent in _attach_parents(builder, child, link, newest_versions(found.get(url) or [])):
                        if parent.id not in reached:
                            reached[parent.id] = parent
                            frontier.append(parent)
        return reached

    def _walk_descendants(self, builder: _Builder, frontier: list[Artifact], levels: int) -> None:
        reached = {artifact.id for artifact in frontier}
        for _ in range(levels):
            by_url: dict[str, list[Artifact]] = {}
            for parent in frontier:
                url = lookup_url(parent.source_url)
                if url:
                    by_url.setdefault(url, []).append(parent)
            if not by_url:
                return
            found = self._store.find_children(list(by_url))
            frontier = []
            for url, children in found.items():
                for child in newest_versions(children):
                    link = _link_to(child, url)
                    builder.add_artifact(child, link.source)
                    for parent in by_url.get(url, []):
                        builder.add_edge(parent.id, child.id, link.relation, link.source)
                    if child.id not in reached:
                        reached.add(child.id)
                        frontier.append(child)

    # cost ------------------------------------------------------------------------------------------------------
    def cost(self, actor: User, artifact_id: str, part: PackagePart | None = None,
             with_dependencies: bool = False) -> dict[str, CostEntry]:
        """Download size in MB per artifact, from the listed file sizes (nothing is downloaded).

        Without dependencies: the artifact alone (total = standalone).  With dependencies: the artifact and
        every dependency (ancestors: base models, linked datasets and code, up to `max_depth` levels), each with
        its standalone size and its total — itself plus all of its own dependencies, each counted once.
        Unregistered (external) dependencies have no known size: they count 0 and say so in `note`.
        `part` counts only that part's files (scoring.parts).
        """
        selector = _part_selector(part)
        root = self._artifacts.get(actor, artifact_id)
        if not with_dependencies:
            alone = _size_bytes(root.files, selector) / BYTES_PER_MB
            return {root.id: CostEntry(root.id, root.name, alone, alone)}
        builder = _Builder(self._max_nodes)
        builder.add_artifact(root, ROOT_SOURCE)
        registered = self._walk_ancestors(builder, [root], self._max_depth)
        return _cost_entries(builder, registered, selector)

    # license ---------------------------------------------------------------------------------------------------
    def license_check(self, actor: User, artifact_id: str, github_url: str) -> CompatibilityVerdict:
        """May code from `github_url` fine-tune this model and serve its outputs? (scoring.compat's table)."""
        artifact = self._artifacts.get(actor, artifact_id)
        if artifact.type is not ArtifactType.MODEL:
            raise InvalidInput(f"license checks are for models; {artifact.name!r} is a {artifact.type.value}")
        with upstream_errors():
            ref = parse_source_url(github_url)
        if ref.kind != "github":
            raise InvalidInput("the license check compares a model with a GitHub repository URL")
        with upstream_errors():
            repo: GitHubRepo = self._github.repo(ref)
        return check_compatibility(model_license(artifact), repo.license_spdx)


def _attach_parents(builder: _Builder, child: Artifact, link: _Link, parents: list[Artifact]) -> list[Artifact]:
    """Edges from the registered parents (or one external node) to `child`; returns the registered parents."""
    if not parents:
        builder.add_edge(builder.add_external(link.url, link.source), child.id, link.relation, link.source)
    for parent in parents:
        builder.add_artifact(parent, link.source)
        builder.add_edge(parent.id, child.id, link.relation, link.source)
    return parents


# declared parents of stored artifacts ---------------------------------------------------------------------------
def stored_repo(artifact: Artifact) -> HubRepo | None:
    """The hub-shaped record of a stored model or package (card, configs, tags, files), for the same pure rules
    the rating applied at ingest; None for what declares nothing (GitHub repositories)."""
    source = artifact.source
    if not isinstance(source, (HubSource, UploadSource)):
        return None
    ref = _ref(artifact.source_url) if artifact.source_url else None
    return HubRepo(
        ref=ref or SourceRef(kind="hf_model", owner="", name=artifact.id),  # uploads: a placeholder identity
        card_text=artifact.readme,
        card_data=source.card_data,
        config=source.config,
        adapter_config=source.adapter_config,
        tags=source.tags if isinstance(source, HubSource) else [],
        files=[RepoFile(path=f.path, size=f.size) for f in artifact.files],
    )


def declared_edges(artifact: Artifact) -> list[DeclaredEdge]:
    """`scoring.lineage.declared_parents` of a stored artifact (hub models and uploaded packages)."""
    repo = stored_repo(artifact)
    return declared_parents(repo) if repo is not None else []


def parent_links(artifact: Artifact) -> list[_Link]:
    """Declared edges (with their relation) plus any stored `parent_urls` its source record no longer explains."""
    links = [_Link(edge.target, edge.relation, edge.origin) for edge in declared_edges(artifact)]
    known = {link.url for link in links}
    for url in artifact.parent_urls:
        ref = None if url in known else _ref(url)
        if ref is not None:
            known.add(url)
            links.append(_Link(url, _KIND_RELATIONS[ref.kind], "parent_urls"))
    return links


def _link_to(child: Artifact, url: str) -> _Link:
    """How `child` declared `url` (every stored parent URL is among its links; the default is for a store whose
    index disagrees with the record)."""
    return next((link for link in parent_links(child) if link.url == url), _Link(url, "base_model", "parent_urls"))


def external_id(url: str) -> str:
    """Stable id of an unregistered node: "ext-" + 16 hex digits of sha1(url)."""
    return "ext-" + hashlib.sha1(url.encode()).hexdigest()[:16]


def lookup_url(source_url: str | None) -> str | None:
    """The canonical URL children declare for an artifact: its source URL without any /tree/REV suffix."""
    ref = _ref(source_url) if source_url else None
    return SourceRef(kind=ref.kind, owner=ref.owner, name=ref.name).canonical_url if ref else None


def model_license(artifact: Artifact) -> str | None:
    """The model's declared license, by the same rule the license metric reads it with (scoring.license
    `declared_license`): its normalized SPDX expression, None when it declares none the registry recognises."""
    repo = stored_repo(artifact)
    found = declared_license(repo) if repo is not None else None
    return found[1].expression if found is not None else None


# cost ---------------------------------------------------------------------------------------------------------
FileSelector = Callable[[FileEntry], bool]


def _part_selector(part: PackagePart | None) -> FileSelector:
    """Which files a download part holds (scoring.parts: the same rules as the package parts)."""
    chosen = check_part(part)
    return lambda entry: in_part(chosen, entry.path, entry.size)


def _size_bytes(files: Iterable[FileEntry], selector: FileSelector) -> int:
    return sum(entry.size for entry in files if selector(entry))


def _cost_entries(builder: _Builder, registered: dict[str, Artifact], selector: FileSelector) -> dict[str, CostEntry]:
    """Standalone and total size of every node; a total counts each dependency once, even through cycles."""
    own = {node_id: _size_bytes(registered[node_id].files, selector) if node_id in registered else 0
           for node_id in builder.nodes}
    parents: dict[str, list[str]] = {}
    for edge in builder.edges.values():
        parents.setdefault(edge.child_id, []).append(edge.parent_id)
    entries = {}
    for node_id, node in builder.nodes.items():
        total = sum(own[i] for i in _closure(node_id, parents))
        note = "not registered: size unknown, counted as 0 MB" if node.external else None
        entries[node_id] = CostEntry(node_id, node.name, own[node_id] / BYTES_PER_MB, total / BYTES_PER_MB,
                                     node.external, note)
    return entries


def _closure(start: str, parents: dict[str, list[str]]) -> set[str]:
    """`start` and everything it depends on, transitively (breadth-first, visited set)."""
    seen = {start}
    queue = deque([start])
    while queue:
        for parent in parents.get(queue.popleft(), []):
            if parent not in seen:
                seen.add(parent)
                queue.append(parent)
    return seen


def _ref(url: str | None) -> SourceRef | None:
    try:
        return parse_source_url(url) if url else None
    except InvalidSourceURL:
        return None
