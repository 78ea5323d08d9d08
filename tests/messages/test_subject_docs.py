"""docs/api.md lists every subject field of every kind, and only those (the table cannot go
stale when a subject model changes)."""

import re
from pathlib import Path

from oss_router.messages.codes import Kind
from oss_router.messages.subjects import (
    DnaSubject,
    DocumentSubject,
    FingerprintSubject,
    PersonSubject,
    VehicleSubject,
)

API_DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
MODELS = {
    Kind.PERSON: PersonSubject,
    Kind.VEHICLE: VehicleSubject,
    Kind.DOCUMENT: DocumentSubject,
    Kind.DNA: DnaSubject,
    Kind.FINGERPRINT: FingerprintSubject,
}


def documented_fields() -> dict[str, set[str]]:
    """kind → the field names of its rows in the "Subjects by kind" table."""
    section = API_DOC.read_text(encoding="utf-8").split("## Subjects by kind", 1)[1]
    fields: dict[str, set[str]] = {}
    kind = ""
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 4 or not cells[1].startswith("`"):
            continue
        kind = cells[0].strip("`") or kind
        fields.setdefault(kind, set()).update(re.findall(r"`([a-z_]+)`", cells[1]))
    return fields


def test_every_kind_and_subject_field_is_documented() -> None:
    documented = documented_fields()
    assert set(documented) == {kind.value for kind in Kind}
    for kind, model in MODELS.items():
        ours = {name for name in model.model_fields if name != "kind"}
        assert documented[kind.value] == ours, f"docs/api.md and the {kind} subject disagree"
