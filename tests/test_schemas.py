"""The committed JSON Schemas match the pydantic models they are generated from."""

from pathlib import Path

from oss_router import schemas_export


def test_committed_schemas_match_the_models() -> None:
    assert schemas_export.drifted() == [], "run `oss-router schemas` and commit schemas/"


def test_drift_is_detected(tmp_path: Path) -> None:
    schemas_export.write(tmp_path)
    (tmp_path / "request-create.json").write_text("{}", encoding="utf-8")

    assert schemas_export.drifted(tmp_path) == ["request-create.json"]
