"""The shipped register contract (``oss_router.registers.testing``), run on each stub register.

The factory under test is the installed entry point, so what is checked is what the gateway
loads; the known subjects are records of the shipped data file, written as an officer might
type them (no diacritics, other case) where the kind allows.
"""

from collections.abc import Mapping
from importlib.metadata import entry_points

from oss_router.messages.codes import Kind
from oss_router.registers.contract import ENTRY_POINT_GROUP, RegisterClient, RegisterFactory
from oss_router.registers.testing import RegisterContract

FACTORIES: dict[str, RegisterFactory] = {
    entry.name: entry.load() for entry in entry_points(group=ENTRY_POINT_GROUP)
}
INVALID_CONFIGS = [
    ({"latency_ms": "-1"}, "latency_ms"),
    ({"latency_ms": "fast"}, "latency_ms"),
    ({"latency_jitter_ms": "-5"}, "latency_jitter_ms"),
    ({"error_rate": "1.5"}, "error_rate"),
    ({"seed": "abc"}, "seed"),
    ({"healthy": "perhaps"}, "healthy"),
    ({"access_type": "sometimes"}, "access_type"),
    ({"data_file": "/nonexistent/registers.json"}, "/nonexistent/registers.json"),
    ({"latency": "10"}, "latency"),
]
NOBODY = {"family_name": "Nieznany", "given_names": "Adam", "date_of_birth": "1901-01-01"}


class StubRegisterContract(RegisterContract):
    """What every stub shares (no ``Test`` prefix: not collected itself)."""

    config = {"latency_ms": "0"}
    invalid_configs = INVALID_CONFIGS

    def create_register(self, config: Mapping[str, str]) -> RegisterClient:
        return FACTORIES[self.name](config)


class TestWantedPersons(StubRegisterContract):
    name = "wanted_persons"
    kinds = frozenset({Kind.PERSON})
    known = {
        Kind.PERSON: {"family_name": "WISNIEWSKI", "given_names": "lukasz", "date_of_birth": "1987"}
    }
    unknown = {Kind.PERSON: NOBODY}


class TestMissingPersons(StubRegisterContract):
    name = "missing_persons"
    kinds = frozenset({Kind.PERSON})
    known = {Kind.PERSON: {"family_name": "zielinska", "date_of_birth": "2009-05-17"}}
    unknown = {Kind.PERSON: NOBODY}


class TestStolenVehicles(StubRegisterContract):
    name = "stolen_vehicles"
    kinds = frozenset({Kind.VEHICLE})
    known = {Kind.VEHICLE: {"vin": "TMBJJ7NE5L0123456"}}
    unknown = {Kind.VEHICLE: {"vin": "WVWZZZ1JZXW000001"}}


class TestStolenDocuments(StubRegisterContract):
    name = "stolen_documents"
    kinds = frozenset({Kind.DOCUMENT})
    known = {
        Kind.DOCUMENT: {
            "document_type": "passport",
            "document_number": "EK7654321",
            "issuing_country": "PL",
        }
    }
    unknown = {
        Kind.DOCUMENT: {
            "document_type": "passport",
            "document_number": "EK7654321",
            "issuing_country": "DE",
        }
    }


class TestDnaProfiles(StubRegisterContract):
    name = "dna_profiles"
    kinds = frozenset({Kind.DNA})
    known = {
        Kind.DNA: {
            "profile_reference": "DE-2026-77",
            "sample_type": "crime_scene",
            "loci": {
                "D3S1358": ["14", "16"],
                "VWA": ["17", "19"],
                "D8S1179": ["12", "15"],
                "D21S11": ["28", "31.2"],
                "D18S51": ["13", "17"],
                "TH01": ["6", "9"],
            },
        }
    }
    unknown = {
        Kind.DNA: {
            "profile_reference": "DE-2026-78",
            "sample_type": "crime_scene",
            "loci": {name: ["11", "12"] for name in ["D3S1358", "VWA", "D8S1179", "FGA", "TH01"]}
            | {"D21S11": ["30"]},
        }
    }
