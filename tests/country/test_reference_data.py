"""The packaged reference data: each set, the dated SIS connections, the queries, describe()."""

import json
from datetime import date

import pytest

from oss_router.country import ReferenceData, load_reference_data
from oss_router.country.loader import DATA_DIR

# fmt: off
EU27 = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
]
SCHENGEN_ASSOCIATED = ["IS", "LI", "NO", "CH"]
EUROPOL_PARTNERS = [
    "AL", "AU", "BA", "CA", "CO", "GE", "GB", "MC", "MD", "ME", "MK", "RS", "UA", "US",
]
LIAISON_POSTS = ["FR", "ES", "DE", "NO", "HU", "GB", "IT", "BY", "RU", "UA", "TR"]
PCCC = ["CZ", "DE", "SK"]
# fmt: on
MANDATE = [
    "terrorism",
    "organised_crime",
    "drug_trafficking",
    "money_laundering",
    "immigrant_smuggling",
    "trafficking_in_human_beings",
    "motor_vehicle_crime",
    "murder",
    "kidnapping",
    "robbery",
    "fraud",
    "corruption",
    "cybercrime",
    "child_sexual_abuse",
    "arms_trafficking",
    "counterfeiting",
    "forgery_of_documents",
    "environmental_crime",
    "cultural_goods_trafficking",
    "war_crimes",
]  # fmt: skip


@pytest.fixture(scope="module")
def ref() -> ReferenceData:
    return load_reference_data()


def test_default_load_is_cached(ref: ReferenceData) -> None:
    assert load_reference_data() is ref


def test_explicit_directory_loads_afresh(ref: ReferenceData) -> None:
    fresh = load_reference_data(DATA_DIR)
    assert fresh is not ref
    assert fresh == ref


def test_countries_cover_iso_3166_plus_kosovo(ref: ReferenceData) -> None:
    assert len(ref.countries) == 250  # 249 ISO 3166-1 codes + XK
    assert ref.countries["XK"] == "Kosovo"
    assert ref.countries["PL"] == "Poland"
    assert ref.countries["TW"] == "Taiwan"
    assert ref.is_known_country("AQ")
    assert not ref.is_known_country("ZZ")
    assert not ref.is_known_country("pl")  # codes are upper case, the loader never guesses


@pytest.mark.parametrize(
    ("query", "members"),
    [
        ("is_eu", EU27),
        ("is_schengen_associated", SCHENGEN_ASSOCIATED),
        ("is_europol_partner", EUROPOL_PARTNERS),
        ("has_liaison_officer", LIAISON_POSTS),
        ("is_pccc_partner", PCCC),
    ],
)
def test_each_country_set_is_exactly_the_spec(
    ref: ReferenceData, query: str, members: list[str]
) -> None:
    answer = getattr(ref, query)
    assert sorted(code for code in ref.countries if answer(code)) == sorted(members)


def test_eu_and_schengen_union(ref: ReferenceData) -> None:
    assert ref.is_eu_or_schengen("NO")
    assert ref.is_eu_or_schengen("FR")
    assert not ref.is_eu_or_schengen("GB")


def test_interpol_has_196_members(ref: ReferenceData) -> None:
    members = [code for code in ref.countries if ref.is_interpol_member(code)]
    assert len(members) == 196


@pytest.mark.parametrize("code", ["KP", "TW", "XK", "TV", "AQ", "GI", "PR"])
def test_interpol_non_members(ref: ReferenceData, code: str) -> None:
    assert not ref.is_interpol_member(code)


@pytest.mark.parametrize("code", ["PL", "US", "CN", "RU", "VA", "PS", "PW", "FM", "AW", "CW", "SX"])
def test_interpol_members(ref: ReferenceData, code: str) -> None:
    assert ref.is_interpol_member(code)


def test_mandate_areas(ref: ReferenceData) -> None:
    assert list(ref.mandate_areas) == MANDATE
    assert all(ref.is_mandate_area(area) for area in MANDATE)
    assert not ref.is_mandate_area("other")
    assert not ref.is_mandate_area("shoplifting")


def test_sis_connected_states_are_eu_and_schengen_associated(ref: ReferenceData) -> None:
    assert sorted(ref.sis_connections) == sorted(EU27 + SCHENGEN_ASSOCIATED)


@pytest.mark.parametrize(
    ("code", "first_day"),
    [
        ("IE", date(2021, 3, 15)),
        ("CY", date(2023, 7, 25)),
        ("BG", date(2025, 1, 1)),
        ("RO", date(2025, 1, 1)),
        ("PL", date(2007, 9, 1)),
        ("FR", date(1995, 3, 26)),
    ],
)
def test_sis_connection_dates(ref: ReferenceData, code: str, first_day: date) -> None:
    assert ref.sis_connected_since(code) == first_day


@pytest.mark.parametrize("code", ["UA", "GB", "US", "XK"])
def test_non_schengen_states_are_never_sis_connected(ref: ReferenceData, code: str) -> None:
    assert ref.sis_connected_since(code) is None


def test_bilateral_sets_belong_to_poland(ref: ReferenceData) -> None:
    assert ref.bilateral_home_country == "PL"


def test_every_data_file_has_version_dates_and_sources(ref: ReferenceData) -> None:
    assert len(ref.datasets) == 10
    for info in ref.datasets:
        assert info.version
        assert info.sources
        assert info.effective <= date(2026, 12, 31)
        assert (DATA_DIR / info.file).is_file()
    assert ref.as_of == max(info.as_of for info in ref.datasets)


def test_describe_is_json_able_with_sets_dates_and_sources(ref: ReferenceData) -> None:
    described = json.loads(json.dumps(ref.describe()))
    assert described["as_of"] == ref.as_of.isoformat()
    assert described["sets"]["sis_connections"]["IE"] == "2021-03-15"
    assert described["sets"]["pccc_partners"] == ["CZ", "DE", "SK"]
    assert len(described["sets"]["interpol_members"]) == 196
    files = {entry["file"] for entry in described["datasets"]}
    assert "sis_connections.json" in files
    assert all(entry["sources"] for entry in described["datasets"])
