"""Load and validate the reference data files; refuse to start on malformed or inconsistent data.

A wrong list silently routes personal data through the wrong channel, so every problem found
stops the load with a message naming the file and the problem (all problems at once).
"""

import functools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError

from oss_router.country.files import (
    BilateralSetFile,
    CodeSetFile,
    CountriesFile,
    DataFile,
    MandateAreasFile,
    PrumConnectionsFile,
    SisConnectionsFile,
)
from oss_router.country.reference import DatasetInfo, ReferenceData

DATA_DIR = Path(__file__).parent / "data"

# The figure INTERPOL publishes (Palau became the 196th member on 2023-11-28); a list of another
# length is a typo or an outdated file, not a fact to accept silently.
INTERPOL_MEMBER_COUNT = 196

# ``other`` is the value of crime_area meaning "outside the mandate"; it cannot be an area.
OUTSIDE_MANDATE = "other"

COUNTRIES = "countries.json"
EU = "eu_member_states.json"
SCHENGEN = "schengen_associated.json"
SIS = "sis_connections.json"
EUROPOL = "europol_operational_partners.json"
LIAISON = "liaison_officer_posts.json"
PCCC = "pccc_partners.json"
INTERPOL = "interpol_members.json"
MANDATE = "europol_mandate_areas.json"
PRUM = "prum_connections.json"

_F = TypeVar("_F", bound=DataFile)


class ReferenceDataError(Exception):
    """The reference data cannot be used; ``problems`` lists each one as ``file: problem``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid reference data:\n  " + "\n  ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class _Files:
    countries: CountriesFile
    eu: CodeSetFile
    schengen: CodeSetFile
    sis: SisConnectionsFile
    europol: CodeSetFile
    liaison: BilateralSetFile
    pccc: BilateralSetFile
    interpol: CodeSetFile
    mandate: MandateAreasFile
    prum: PrumConnectionsFile


def load_reference_data(directory: Path | None = None) -> ReferenceData:
    """Load the reference data from ``directory`` (default: the packaged ``data/``, cached)."""
    if directory is None:
        return _load_default()
    return _load(directory)


@functools.cache
def _load_default() -> ReferenceData:
    return _load(DATA_DIR)


def _load(directory: Path) -> ReferenceData:
    files = _read_all(directory)
    problems = _check(files)
    if problems:
        raise ReferenceDataError(problems)
    return _build(files)


_MODELS: dict[str, type[DataFile]] = {
    COUNTRIES: CountriesFile,
    EU: CodeSetFile,
    SCHENGEN: CodeSetFile,
    SIS: SisConnectionsFile,
    EUROPOL: CodeSetFile,
    LIAISON: BilateralSetFile,
    PCCC: BilateralSetFile,
    INTERPOL: CodeSetFile,
    MANDATE: MandateAreasFile,
    PRUM: PrumConnectionsFile,
}


def _read_all(directory: Path) -> _Files:
    problems: list[str] = []
    parsed: dict[str, DataFile] = {}
    for name, model in _MODELS.items():
        try:
            parsed[name] = _read(directory / name, model)
        except ReferenceDataError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ReferenceDataError(problems)
    return _Files(
        countries=_typed(parsed[COUNTRIES], CountriesFile),
        eu=_typed(parsed[EU], CodeSetFile),
        schengen=_typed(parsed[SCHENGEN], CodeSetFile),
        sis=_typed(parsed[SIS], SisConnectionsFile),
        europol=_typed(parsed[EUROPOL], CodeSetFile),
        liaison=_typed(parsed[LIAISON], BilateralSetFile),
        pccc=_typed(parsed[PCCC], BilateralSetFile),
        interpol=_typed(parsed[INTERPOL], CodeSetFile),
        mandate=_typed(parsed[MANDATE], MandateAreasFile),
        prum=_typed(parsed[PRUM], PrumConnectionsFile),
    )


def _typed(data: DataFile, model: type[_F]) -> _F:
    if not isinstance(data, model):  # pragma: no cover - _MODELS and _Files disagree
        raise TypeError(f"{data.dataset} parsed as {type(data).__name__}, not {model.__name__}")
    return data


def _read(path: Path, model: type[_F]) -> _F:
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ReferenceDataError([f"{path.name}: cannot read {path}: {exc.strerror}"]) from exc
    try:
        parsed = model.model_validate_json(raw)
    except ValidationError as exc:
        raise ReferenceDataError([f"{path.name}: {_summarise(exc)}"]) from exc
    expected = path.stem
    if parsed.dataset != expected:
        raise ReferenceDataError(
            [f"{path.name}: dataset is {parsed.dataset!r}, expected {expected!r}"]
        )
    return parsed


def _summarise(exc: ValidationError) -> str:
    errors = (
        f"{'.'.join(str(part) for part in err['loc']) or '(file)'}: {err['msg']}"
        for err in exc.errors(include_url=False)
    )
    return "; ".join(errors)


def _check(files: _Files) -> list[str]:
    known = {entry.code for entry in files.countries.countries}
    return [
        *_check_countries(files.countries),
        *_check_code_sets(files, known),
        *_check_disjoint(files),
        *_check_sis(files),
        *_check_bilateral(files, known),
        *_check_interpol(files),
        *_check_mandate(files.mandate),
        *_check_prum(files),
    ]


def _duplicates(values: Iterable[str]) -> list[str]:
    return sorted(value for value, count in Counter(values).items() if count > 1)


def _check_countries(countries: CountriesFile) -> list[str]:
    dups = _duplicates(entry.code for entry in countries.countries)
    return [f"{COUNTRIES}: duplicate country code {code}" for code in dups]


def _code_sets(files: _Files) -> dict[str, list[str]]:
    return {
        EU: files.eu.codes,
        SCHENGEN: files.schengen.codes,
        SIS: [connection.code for connection in files.sis.connections],
        EUROPOL: files.europol.codes,
        LIAISON: files.liaison.codes,
        PCCC: files.pccc.codes,
        INTERPOL: files.interpol.codes,
        PRUM: [connection.code for connection in files.prum.connections],
    }


def _check_code_sets(files: _Files, known: set[str]) -> list[str]:
    problems: list[str] = []
    for name, codes in _code_sets(files).items():
        problems += [f"{name}: duplicate code {code}" for code in _duplicates(codes)]
        problems += [f"{name}: unknown country code {code}" for code in codes if code not in known]
    return problems


def _check_disjoint(files: _Files) -> list[str]:
    """EU, Schengen associated and Europol partners outside them must not overlap (rule order)."""
    eu, schengen, partners = (
        set(files.eu.codes),
        set(files.schengen.codes),
        set(files.europol.codes),
    )
    problems = [
        f"{SCHENGEN}: {code} is an EU member state, not a Schengen associated state"
        for code in sorted(eu & schengen)
    ]
    problems += [
        f"{EUROPOL}: {code} is an EU or Schengen state, not an operational partner outside them"
        for code in sorted(partners & (eu | schengen))
    ]
    return problems


def _check_sis(files: _Files) -> list[str]:
    """SIS-connected states are exactly EU27 + Schengen associated (each with its own date)."""
    eu, schengen = set(files.eu.codes), set(files.schengen.codes)
    connected = {connection.code for connection in files.sis.connections}
    problems = [f"{SIS}: EU member {code} is not SIS-connected" for code in sorted(eu - connected)]
    problems += [
        f"{SIS}: Schengen associated state {code} is not SIS-connected"
        for code in sorted(schengen - connected)
    ]
    problems += [
        f"{SIS}: {code} is SIS-connected but neither an EU member nor Schengen associated"
        for code in sorted(connected - eu - schengen)
    ]
    return problems


def _check_bilateral(files: _Files, known: set[str]) -> list[str]:
    """Liaison officers and PCCCs are one home country's; a PCCC needs a Schengen neighbour."""
    home = files.liaison.home_country
    problems: list[str] = []
    if files.pccc.home_country != home:
        problems.append(
            f"{PCCC}: home_country {files.pccc.home_country} differs from {LIAISON}'s {home}"
        )
    if home not in known:
        problems.append(f"{LIAISON}: unknown home_country {home}")
    for name, data in ((LIAISON, files.liaison), (PCCC, files.pccc)):
        if data.home_country in data.codes:
            problems.append(f"{name}: lists its own home country {data.home_country}")
    outside = set(files.pccc.codes) - set(files.eu.codes) - set(files.schengen.codes)
    problems += [
        f"{PCCC}: {code} is neither an EU member nor Schengen associated (CISA Art. 39(4))"
        for code in sorted(outside)
    ]
    return problems


def _check_interpol(files: _Files) -> list[str]:
    members = set(files.interpol.codes)
    problems: list[str] = []
    if len(members) != INTERPOL_MEMBER_COUNT:
        problems.append(
            f"{INTERPOL}: {len(members)} distinct members, expected {INTERPOL_MEMBER_COUNT}"
        )
    user_assigned = {entry.code for entry in files.countries.countries if entry.user_assigned}
    problems += [
        f"{INTERPOL}: {code} is a user-assigned code, not an INTERPOL member"
        for code in sorted(members & user_assigned)
    ]
    return problems


def _check_mandate(mandate: MandateAreasFile) -> list[str]:
    problems = [f"{MANDATE}: duplicate area {area}" for area in _duplicates(mandate.areas)]
    if OUTSIDE_MANDATE in mandate.areas:
        problems.append(f"{MANDATE}: {OUTSIDE_MANDATE!r} means outside the mandate, not an area")
    return problems


def _check_prum(files: _Files) -> list[str]:
    """Prüm binds the EU member states and the associated states with a Prüm agreement; an
    entry without any category connects nothing (a typo, not a fact)."""
    eu_or_schengen = set(files.eu.codes) | set(files.schengen.codes)
    problems = [
        f"{PRUM}: {c.code} is neither an EU member nor Schengen associated"
        for c in files.prum.connections
        if c.code not in eu_or_schengen
    ]
    problems += [
        f"{PRUM}: {c.code} has neither dna_since nor dactyloscopic_since"
        for c in files.prum.connections
        if c.dna_since is None and c.dactyloscopic_since is None
    ]
    return problems


def _build(files: _Files) -> ReferenceData:
    return ReferenceData(
        countries={entry.code: entry.name for entry in files.countries.countries},
        eu_member_states=frozenset(files.eu.codes),
        schengen_associated=frozenset(files.schengen.codes),
        sis_connections={c.code: c.connected_on for c in files.sis.connections},
        europol_partners=frozenset(files.europol.codes),
        liaison_officer_posts=frozenset(files.liaison.codes),
        pccc_partners=frozenset(files.pccc.codes),
        bilateral_home_country=files.liaison.home_country,
        interpol_members=frozenset(files.interpol.codes),
        mandate_areas=tuple(files.mandate.areas),
        prum_dna={c.code: c.dna_since for c in files.prum.connections if c.dna_since},
        prum_dactyloscopic={
            c.code: c.dactyloscopic_since for c in files.prum.connections if c.dactyloscopic_since
        },
        datasets=tuple(_info(name, data) for name, data in _all_files(files)),
    )


def _all_files(files: _Files) -> list[tuple[str, DataFile]]:
    return [
        (COUNTRIES, files.countries),
        (EU, files.eu),
        (SCHENGEN, files.schengen),
        (SIS, files.sis),
        (EUROPOL, files.europol),
        (LIAISON, files.liaison),
        (PCCC, files.pccc),
        (INTERPOL, files.interpol),
        (MANDATE, files.mandate),
        (PRUM, files.prum),
    ]


def _info(name: str, data: DataFile) -> DatasetInfo:
    return DatasetInfo(
        dataset=data.dataset,
        file=name,
        version=data.version,
        description=data.description,
        effective=data.effective,
        as_of=data.as_of,
        sources=tuple(data.sources),
    )
