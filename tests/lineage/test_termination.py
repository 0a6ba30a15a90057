"""Lineage terminates on arbitrary graphs (cycles, self-references, shared URLs, unregistered parents) and
returns exactly the relatives within the depth, with one batched store call per level and direction."""
from __future__ import annotations

from typing import cast

from hypothesis import given, settings
from hypothesis import strategies as st

from registry.lineage import LineageDirection, LineageService, external_id
from registry.model import Artifact, Permission, User
from tests.lineage.memory import HF, MemoryArtifacts, MemoryStore, hub_model

ADMIN = User(username="admin", password_hash="x", permissions=frozenset({Permission.ADMIN}))
URLS = 8  # url indices 0..7; an index no artifact uses is an unregistered (external) parent


@st.composite
def graphs(draw: st.DrawFn) -> list[tuple[int, list[int]]]:
    """Artifacts as (url index, declared parent url indices); several artifacts may share a url."""
    count = draw(st.integers(min_value=1, max_value=10))
    return [(draw(st.integers(0, URLS - 1)), draw(st.lists(st.integers(0, URLS - 1), max_size=4)))
            for _ in range(count)]


def build(graph: list[tuple[int, list[int]]]) -> tuple[MemoryStore, list[Artifact]]:
    """Artifacts sharing a URL are ingested under names of their own (versions of one name would be one node)."""
    artifacts = [hub_model(f"m{i}", f"org/u{url}", [f"org/u{p}" for p in parents]).model_copy(
        update={"name": f"u{url}-as-m{i}"}) for i, (url, parents) in enumerate(graph)]
    return MemoryStore(artifacts), artifacts


def url_of(index: int) -> str:
    return f"{HF}org/u{index}"


def expected(graph: list[tuple[int, list[int]]], root: int, depth: int, up: bool) -> tuple[set[str], set[tuple]]:
    """The oracle: nodes at distance <= depth and the edges declared by nodes at distance < depth."""
    def parents(i: int) -> list[str]:
        url, declared = graph[i]
        found = []
        for p in dict.fromkeys(declared):
            if p == url:
                continue  # a self-reference is no parent
            holders = [f"m{k}" for k, (u, _) in enumerate(graph) if u == p]
            found += holders or [external_id(url_of(p))]
        return found

    def children(i: int) -> list[str]:
        return [f"m{k}" for k, (u, declared) in enumerate(graph) if graph[i][0] in declared and u != graph[i][0]]

    nodes, edges, frontier = {f"m{root}"}, set(), [f"m{root}"]
    for _ in range(depth):
        fresh = []
        for node in frontier:
            index = int(node[1:])
            for relative in parents(index) if up else children(index):
                edges.add((relative, node) if up else (node, relative))
                if relative not in nodes:
                    nodes.add(relative)
                    if relative.startswith("m"):
                        fresh.append(relative)
        frontier = fresh
    return nodes, {e for e in edges if e[0] != e[1]}


@settings(max_examples=150, deadline=None)
@given(graphs(), st.integers(min_value=0, max_value=12), st.data())
def test_lineage_terminates_and_matches_a_breadth_first_oracle(graph, depth, data):
    store, artifacts = build(graph)
    root = data.draw(st.integers(0, len(artifacts) - 1))
    service = LineageService(cast(object, store), cast(object, MemoryArtifacts(store)), cast(object, None),
                             max_depth=10)  # type: ignore[arg-type]
    levels = min(depth, 10)
    for direction, up in ((LineageDirection.ANCESTORS, True), (LineageDirection.DESCENDANTS, False)):
        store.calls.clear()
        result = service.graph(ADMIN, f"m{root}", depth, direction)
        nodes, edges = expected(graph, root, levels, up)
        assert {n.artifact_id for n in result.nodes} == nodes
        assert {(e.parent_id, e.child_id) for e in result.edges} == edges
        assert sum(store.calls.values()) <= levels
    both = service.graph(ADMIN, f"m{root}", depth, LineageDirection.BOTH)
    up_nodes, up_edges = expected(graph, root, levels, True)
    down_nodes, down_edges = expected(graph, root, levels, False)
    assert {n.artifact_id for n in both.nodes} == up_nodes | down_nodes
    assert {(e.parent_id, e.child_id) for e in both.edges} == up_edges | down_edges
    assert all(n.external == n.artifact_id.startswith("ext-") for n in both.nodes)


def test_a_long_cycle_is_walked_once_per_level_and_capped():
    size = 30
    store = MemoryStore(hub_model(f"m{i}", f"org/u{i}", [f"org/u{(i + 1) % size}"]) for i in range(size))
    service = LineageService(store, MemoryArtifacts(store), None, max_depth=10)  # type: ignore[arg-type]
    result = service.graph(ADMIN, "m0", 50, LineageDirection.ANCESTORS)
    assert result.depth == 10 and len(result.nodes) == 11
    assert store.calls == {"find_by_source": 10}
    whole = LineageService(store, MemoryArtifacts(store), None, max_depth=100)  # type: ignore[arg-type]
    assert len(whole.graph(ADMIN, "m0", 100, LineageDirection.BOTH).nodes) == size
