"""The structure of the code, checked on its import graph (read from the source, not imported).

Every ``import`` and ``from … import`` anywhere in a module counts, at the top or inside a
function: a deferred import is still a dependency. Rules:

- adapters and register clients import no infrastructure (database, web framework, broker
  client), not even through the ``oss_router`` modules they use;
- no module outside ``oss_router.request`` imports ``oss_router.request.service``;
- the feature packages (``oss_router.<feature>``) import each other without cycles;
- no shipped module imports the test-only contract tests (``oss_router.channel.testing``,
  ``oss_router.registers.testing``) or pytest;
- endpoints, the live feed and the gauges build no SQL: repositories own the queries.

What breaks a rule today is listed below, exactly: a violation that disappears must be taken
off its list too, so the lists only shrink (docs/architecture.md, "Structure rules").
"""

import ast
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {
    "oss_router": ROOT / "src" / "oss_router",
    "oss_router_adapters": ROOT / "adapters" / "oss_router_adapters",
    "oss_router_registers": ROOT / "adapters" / "oss_router_registers",
}
PLUGINS = ("oss_router_adapters", "oss_router_registers")
INFRASTRUCTURE = frozenset({"sqlalchemy", "fastapi", "starlette", "aio_pika", "aiormq", "asyncpg"})
REQUEST_SERVICE = "oss_router.request.service"
CONTRACT_TESTS = frozenset({"oss_router.channel.testing", "oss_router.registers.testing"})
NO_SQL_HERE = ("oss_router.live.feed", "oss_router.gauges")
SESSION_TYPES = "sqlalchemy.ext.asyncio"  # naming AsyncSession in a signature is no query

# Modules outside oss_router.request that import request.service (none: the back-end roles
# move dispatches through oss_router.dispatch). Kept as a list so that an exception is visible.
KNOWN_SERVICE_IMPORTERS: set[str] = set()

# Imports between feature packages that lie on a cycle, each with the import that makes it.
# None today: the gauges live at the root (they read several features' repositories for the
# runtime), the subject models in messages/ (the log redaction reads their field names), and
# the status-notice publisher in live/. A new edge on a cycle fails the test; so does an edge
# listed here that no longer lies on a cycle.
KNOWN_CYCLE_EDGES: dict[tuple[str, str], str] = {}


@cache
def modules() -> Mapping[str, Path]:
    """Every module of both packages by dotted name (a package by its ``__init__``)."""
    found = {}
    for package_root in PACKAGES.values():
        for path in sorted(package_root.rglob("*.py")):
            parts = path.relative_to(package_root.parent).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


@cache
def imports() -> Mapping[str, frozenset[str]]:
    """What each module imports: modules by dotted name (``from a import b`` gives ``a``, and
    ``a.b`` too when that is a module)."""
    known = modules()
    graph = {}
    for name, path in known.items():
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{name}: relative import; the graph needs absolute ones"
                assert node.module is not None
                imported.add(node.module)
                imported.update(
                    f"{node.module}.{alias.name}"
                    for alias in node.names
                    if f"{node.module}.{alias.name}" in known
                )
        graph[name] = frozenset(imported)
    return graph


def feature_of(module: str) -> str | None:
    """``request`` for ``oss_router.request.service``; None for a root module or elsewhere."""
    parts = module.split(".")
    if parts[0] != "oss_router" or len(parts) < 2:
        return None
    return parts[1] if (PACKAGES["oss_router"] / parts[1]).is_dir() else None


def reachable(start: str) -> Iterator[tuple[str, list[str]]]:
    """Every module imported from ``start``, directly or not, with one chain of imports."""
    chains = {start: [start]}
    pending = [start]
    while pending:
        current = pending.pop()
        for imported in sorted(imports().get(current, ())):
            if imported not in chains:
                chains[imported] = [*chains[current], imported]
                yield imported, chains[imported]
                if imported in modules():
                    pending.append(imported)


def feature_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, imported in imports().items():
        source = feature_of(module)
        if source is None:
            continue
        for target in filter(None, map(feature_of, imported)):
            if target != source:
                graph.setdefault(source, set()).add(target)
    return graph


def strongly_connected(graph: Mapping[str, Iterable[str]]) -> list[set[str]]:
    """The groups of nodes that all reach each other (Tarjan), groups of one left out."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = set()
            while (member := stack.pop()) != node:
                group.add(member)
            group.add(node)
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def example_imports(source: str, target: str) -> list[str]:
    return sorted(
        f"{module} → {imported}"
        for module, imported_ in imports().items()
        if feature_of(module) == source
        for imported in imported_
        if feature_of(imported) == target and imported.count(".") >= 2
    )


def test_the_graph_sees_every_package() -> None:
    assert "oss_router.request.service" in modules()
    assert "oss_router_adapters.sirene" in modules()
    assert "oss_router_registers.stub" in modules()
    assert "oss_router.dispatch.transitions" in imports()["oss_router.tracker.service"]


def test_adapters_import_no_infrastructure_not_even_transitively() -> None:
    offending = [
        " → ".join(chain)
        for adapter in modules()
        if adapter.startswith(PLUGINS)
        for imported, chain in reachable(adapter)
        if imported.partition(".")[0] in INFRASTRUCTURE
    ]
    assert offending == [], "plugins must not depend on infrastructure:\n" + "\n".join(offending)


def test_only_the_request_package_imports_the_request_service() -> None:
    importers = {
        module
        for module, imported in imports().items()
        if REQUEST_SERVICE in imported and not module.startswith("oss_router.request")
    }
    new = sorted(importers - KNOWN_SERVICE_IMPORTERS)
    gone = sorted(KNOWN_SERVICE_IMPORTERS - importers)
    assert not new, f"{new} import {REQUEST_SERVICE}: use a repository or the dispatch lifecycle"
    assert not gone, f"{gone} no longer import {REQUEST_SERVICE}: take them off the list"


def test_feature_packages_have_no_new_import_cycle() -> None:
    graph = feature_graph()
    on_cycles = {
        (source, target)
        for group in strongly_connected(graph)
        for source in group
        for target in graph[source] & group
    }
    new = sorted(on_cycles - KNOWN_CYCLE_EDGES.keys())
    gone = sorted(KNOWN_CYCLE_EDGES.keys() - on_cycles)
    assert not new, "imports that close a cycle between feature packages:\n" + "\n".join(
        f"{source} → {target}: {', '.join(example_imports(source, target))}"
        for source, target in new
    )
    assert not gone, f"no longer on a cycle, take them off KNOWN_CYCLE_EDGES: {gone}"


def test_shipped_modules_do_not_import_the_contract_tests() -> None:
    offending = sorted(
        module
        for module, imported in imports().items()
        if module not in CONTRACT_TESTS
        and (
            CONTRACT_TESTS & imported
            or any(name.partition(".")[0] == "pytest" for name in imported)
        )
    )
    assert offending == [], (
        f"{offending} import test-only code ({sorted(CONTRACT_TESTS)} or pytest)"
    )


def test_endpoints_feeds_and_gauges_leave_queries_to_repositories() -> None:
    offending = sorted(
        f"{module} → {imported}"
        for module, imported_ in imports().items()
        if module.endswith(".endpoints") or module in NO_SQL_HERE
        for imported in imported_
        if imported.partition(".")[0] == "sqlalchemy" and imported != SESSION_TYPES
    )
    assert offending == [], "move these queries into a repository.py:\n" + "\n".join(offending)


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert strongly_connected({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [{"a", "b", "c"}]
