"""Broken copies of the reference data stop the loader with a message naming file and problem."""

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from oss_router.country import ReferenceDataError, load_reference_data
from oss_router.country.loader import DATA_DIR

Edit = Callable[[dict[str, Any]], None]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def _edit(directory: Path, name: str, edit: Edit) -> None:
    path = directory / name
    content = json.loads(path.read_text(encoding="utf-8"))
    edit(content)
    path.write_text(json.dumps(content), encoding="utf-8")


def _problems(directory: Path) -> list[str]:
    with pytest.raises(ReferenceDataError) as caught:
        load_reference_data(directory)
    assert str(caught.value).startswith("invalid reference data:")
    return caught.value.problems


def test_a_pristine_copy_loads(data_dir: Path) -> None:
    assert load_reference_data(data_dir).is_eu("PL")


def _append(key: str, value: Any) -> Edit:
    return lambda content: content[key].append(value)


def _remove(key: str, value: Any) -> Edit:
    return lambda content: content[key].remove(value)


def _set(key: str, value: Any) -> Edit:
    return lambda content: content.__setitem__(key, value)


def _drop_sis(code: str) -> Edit:
    def edit(content: dict[str, Any]) -> None:
        content["connections"] = [c for c in content["connections"] if c["code"] != code]

    return edit


def _add_sis(code: str) -> Edit:
    return _append("connections", {"code": code, "connected_on": "2020-01-01", "basis": "test"})


@pytest.mark.parametrize(
    ("name", "edit", "expected"),
    [
        pytest.param(
            "eu_member_states.json", _append("codes", "QQ"),
            "eu_member_states.json: unknown country code QQ", id="unknown-code",
        ),
        pytest.param(
            "liaison_officer_posts.json", _append("codes", "FR"),
            "liaison_officer_posts.json: duplicate code FR", id="duplicate-code",
        ),
        pytest.param(
            "countries.json", _append("countries", {"code": "PL", "name": "Poland again"}),
            "countries.json: duplicate country code PL", id="duplicate-country",
        ),
        pytest.param(
            "sis_connections.json", _drop_sis("IE"),
            "sis_connections.json: EU member IE is not SIS-connected", id="eu-not-sis",
        ),
        pytest.param(
            "sis_connections.json", _drop_sis("NO"),
            "sis_connections.json: Schengen associated state NO is not SIS-connected",
            id="schengen-not-sis",
        ),
        pytest.param(
            "sis_connections.json", _add_sis("UA"),
            "sis_connections.json: UA is SIS-connected but neither", id="sis-outside",
        ),
        pytest.param(
            "schengen_associated.json", _append("codes", "FR"),
            "schengen_associated.json: FR is an EU member state", id="eu-and-schengen-overlap",
        ),
        pytest.param(
            "europol_operational_partners.json", _append("codes", "DE"),
            "europol_operational_partners.json: DE is an EU or Schengen state",
            id="partner-overlaps-eu",
        ),
        pytest.param(
            "pccc_partners.json", _append("codes", "UA"),
            "pccc_partners.json: UA is neither an EU member nor Schengen associated",
            id="pccc-outside-schengen",
        ),
        pytest.param(
            "pccc_partners.json", _set("home_country", "DE"),
            "pccc_partners.json: home_country DE differs", id="pccc-other-home",
        ),
        pytest.param(
            "liaison_officer_posts.json", _append("codes", "PL"),
            "liaison_officer_posts.json: lists its own home country PL", id="liaison-at-home",
        ),
        pytest.param(
            "interpol_members.json", _remove("codes", "FR"),
            "interpol_members.json: 195 distinct members, expected 196", id="interpol-195",
        ),
        pytest.param(
            "interpol_members.json", _append("codes", "XK"),
            "interpol_members.json: 197 distinct members, expected 196", id="interpol-197",
        ),
        pytest.param(
            "europol_mandate_areas.json", _append("areas", "other"),
            "europol_mandate_areas.json: 'other' means outside the mandate", id="mandate-other",
        ),
        pytest.param(
            "europol_mandate_areas.json", _append("areas", "fraud"),
            "europol_mandate_areas.json: duplicate area fraud", id="mandate-duplicate",
        ),
    ],
)  # fmt: skip
def test_inconsistent_data_is_refused(data_dir: Path, name: str, edit: Edit, expected: str) -> None:
    _edit(data_dir, name, edit)
    problems = _problems(data_dir)
    assert any(problem.startswith(expected) for problem in problems), problems


def test_user_assigned_code_cannot_be_an_interpol_member(data_dir: Path) -> None:
    def swap(content: dict[str, Any]) -> None:
        content["codes"].remove("FR")
        content["codes"].append("XK")

    _edit(data_dir, "interpol_members.json", swap)
    assert _problems(data_dir) == [
        "interpol_members.json: XK is a user-assigned code, not an INTERPOL member"
    ]


@pytest.mark.parametrize(
    ("name", "edit", "expected"),
    [
        pytest.param("eu_member_states.json", _set("sources", []), "sources", id="no-sources"),
        pytest.param("countries.json", lambda c: c.pop("as_of"), "as_of", id="no-as-of"),
        pytest.param(
            "sis_connections.json", _set("effective", "2025-13-01"), "effective", id="bad-date"
        ),
        pytest.param("pccc_partners.json", _append("codes", "cz"), "codes.3", id="lower-case-code"),
        pytest.param("eu_member_states.json", _set("extra", 1), "extra", id="unknown-key"),
        pytest.param(
            "eu_member_states.json", _set("dataset", "eu"), "dataset is 'eu'", id="wrong-dataset"
        ),
    ],
)
def test_malformed_file_is_refused(data_dir: Path, name: str, edit: Edit, expected: str) -> None:
    _edit(data_dir, name, edit)
    [problem] = _problems(data_dir)
    assert problem.startswith(f"{name}: ")
    assert expected in problem


def test_invalid_json_names_the_file(data_dir: Path) -> None:
    (data_dir / "pccc_partners.json").write_text("{not json", encoding="utf-8")
    [problem] = _problems(data_dir)
    assert problem.startswith("pccc_partners.json: ")
    assert "JSON" in problem


def test_missing_file_names_the_file(data_dir: Path) -> None:
    (data_dir / "interpol_members.json").unlink()
    [problem] = _problems(data_dir)
    assert problem.startswith("interpol_members.json: cannot read")


def test_every_problem_is_reported_at_once(data_dir: Path) -> None:
    _edit(data_dir, "eu_member_states.json", _append("codes", "QQ"))
    _edit(data_dir, "pccc_partners.json", _append("codes", "UA"))
    problems = _problems(data_dir)
    assert "eu_member_states.json: unknown country code QQ" in problems
    assert any(problem.startswith("pccc_partners.json: UA") for problem in problems)
