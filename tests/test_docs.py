"""The documentation stays a map of this repository: every relative link resolves inside it,
nothing points outside it, and the README stays a short front door."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def relative_links(document: Path) -> list[str]:
    links = LINK.findall(document.read_text(encoding="utf-8"))
    return [link for link in links if not re.match(r"[a-z]+:", link) and not link.startswith("#")]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_resolves_inside_the_repository(document: Path) -> None:
    for link in relative_links(document):
        target = (document.parent / link.split("#", 1)[0]).resolve()
        assert target.is_relative_to(ROOT), f"{link} points outside the repository"
        assert target.exists(), f"{link} does not resolve"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_absolute_link_leaves_the_repository(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    outside = [link for link in LINK.findall(text) if link.startswith(("http://", "https://"))]
    local = [link for link in outside if link.startswith(("http://127.0.0.1", "http://localhost"))]
    assert outside == local, "docs link nothing outside the repository"


def test_readme_is_a_front_door() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200, "reference material belongs in docs/"


DECISIONS = sorted((ROOT / "docs" / "decisions").glob("[0-9][0-9][0-9][0-9]-*.md"))


@pytest.mark.parametrize("record", DECISIONS, ids=lambda path: path.name)
def test_every_decision_record_is_numbered_has_a_status_and_is_indexed(record: Path) -> None:
    lines = record.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith(f"# {record.name[:4]} — "), "title starts with its number"
    assert any(line.startswith("Status: ") for line in lines[:6]), "a Status: line under the title"
    index = (ROOT / "docs" / "decisions" / "README.md").read_text(encoding="utf-8")
    assert f"]({record.name})" in index, "the index lists every record"


def test_decision_numbers_are_unique() -> None:
    numbers = [record.name[:4] for record in DECISIONS]
    assert len(numbers) == len(set(numbers))


PACKAGE = ROOT / "src" / "oss_router"
ENTRY = re.compile(r"^\s*((?:\w[\w./]*(?:/|\.py)\s)+)")


def layout_block() -> list[str]:
    """The lines of the code block under "## Repository layout" in docs/architecture.md."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Repository layout", 1)[1]
    return section.split("```", 2)[1].strip("\n").splitlines()


def layout_entries() -> tuple[set[str], set[str]]:
    """(top-level paths, entries indented under src/oss_router/) the block names."""
    top, package = set(), set()
    for line in layout_block():
        names = set(match.group(1).split()) if (match := ENTRY.match(line + " ")) else set()
        (package if line.startswith(" ") else top).update(names)
    return top, package


def test_the_repository_layout_lists_every_package_and_root_module() -> None:
    _, listed = layout_entries()
    present = {f"{path.name}/" for path in PACKAGE.iterdir() if (path / "__init__.py").exists()}
    present |= {path.name for path in PACKAGE.glob("*.py") if path.name != "__init__.py"}
    assert sorted(present - listed) == [], "missing from docs/architecture.md, Repository layout"
    assert sorted(listed - present) == [], "named in docs/architecture.md but not in src/oss_router"


def test_every_top_level_path_of_the_repository_layout_exists() -> None:
    top, _ = layout_entries()
    assert "src/oss_router/" in top
    assert [name for name in sorted(top) if not (ROOT / name).exists()] == []
