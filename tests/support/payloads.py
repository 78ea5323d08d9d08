"""Valid request bodies per kind, to be varied by the tests."""

from typing import Any

PURPOSE = "Investigation of an organised vehicle theft ring, case 2026/114"

SUBJECTS: dict[str, dict[str, Any]] = {
    "person": {
        "family_name": "Kowalski",
        "given_names": "Jan Maria",
        "date_of_birth": "1980-02-17",
        "nationalities": ["PL"],
        "sex": "male",
    },
    "vehicle": {"vin": "WVWZZZ1JZXW000001", "make": "Volkswagen", "colour": "black"},
    "document": {
        "document_type": "passport",
        "document_number": "EA1234567",
        "issuing_country": "PL",
    },
    "dna": {
        "profile_reference": "PL-DNA-2026-0042",
        "sample_type": "crime_scene",
        "loci": {
            "D3S1358": ["15", "17"],
            "vWA": ["16", "18"],
            "FGA": ["21", "24"],
            "D8S1179": ["13", "14"],
            "D21S11": ["29", "30"],
            "D18S51": ["14", "16"],
            "TH01": ["9.3"],
        },
    },
    "fingerprint": {
        "afis_reference": "PL-AFIS-2026-000777",
        "print_type": "latent",
        "finger_positions": [2, 7],
    },
}


def request_body(kind: str = "person", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": kind,
        "subject": dict(SUBJECTS.get(kind, SUBJECTS["person"])),
        "target_countries": ["DE"],
        "purpose": PURPOSE,
    }
    body.update(overrides)
    return body
