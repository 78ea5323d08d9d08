"""Guards on a routing query: refuse (422) naming the field, never guess or stay silent."""

import dataclasses
from collections.abc import Iterator
from enum import StrEnum
from typing import TypeVar

from oss_router.country import ReferenceData
from oss_router.messages.codes import AccessType, Channel, Kind, Urgency, UrgencyGround
from oss_router.routing.decision import RoutingQuery, RoutingRefused

OUTSIDE_MANDATE = "other"

_E = TypeVar("_E", bound=StrEnum)


def checked_query(query: RoutingQuery, reference: ReferenceData) -> RoutingQuery:
    """The query with its closed vocabularies as enums; RoutingRefused for the first fault."""
    query = _with_enums(query)
    _check_targets(query.target_countries, reference)
    _check_urgency(query)
    _check_crime_area(query.crime_area, reference)
    _check_override_reason(query)
    return query


def _with_enums(query: RoutingQuery) -> RoutingQuery:
    """Callers may hand over plain strings (e.g. from JSON); unknown values are refused here."""
    ground, preferred = query.urgency_ground, query.preferred_channel
    return dataclasses.replace(
        query,
        kind=_member(Kind, query.kind, "kind"),
        urgency=_member(Urgency, query.urgency, "urgency"),
        urgency_ground=None if ground is None else _member(UrgencyGround, ground, "urgency_ground"),
        access_type=_member(AccessType, query.access_type, "access_type"),
        preferred_channel=(
            None if preferred is None else _member(Channel, preferred, "preferred_channel")
        ),
    )


def _member(enum: type[_E], value: str, field: str) -> _E:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise RoutingRefused(field, f"unknown value {value!r}; expected one of {allowed}") from None


def _check_targets(targets: tuple[str, ...], reference: ReferenceData) -> None:
    if not targets:
        raise RoutingRefused("target_countries", "at least one target country is required")
    for index, code, first in _indexed(targets):
        field = f"target_countries[{index}]"
        if not reference.is_known_country(code):
            raise RoutingRefused(field, f"unknown country code {code!r} (ISO 3166-1 alpha-2)")
        if first is not None:
            raise RoutingRefused(field, f"{code} is already target_countries[{first}]")


def _indexed(targets: tuple[str, ...]) -> Iterator[tuple[int, str, int | None]]:
    """Each target with its index and the index of its first occurrence if it repeats one."""
    seen: dict[str, int] = {}
    for index, code in enumerate(targets):
        yield index, code, seen.get(code)
        seen.setdefault(code, index)


def _check_urgency(query: RoutingQuery) -> None:
    """Directive (EU) 2023/977 Art. 4(4): an urgent request states its ground."""
    if query.urgency == Urgency.URGENT and query.urgency_ground is None:
        raise RoutingRefused(
            "urgency_ground",
            "an urgent request must state its ground (Directive 2023/977 Art. 4(4))",
        )


def _check_crime_area(area: str, reference: ReferenceData) -> None:
    if area != OUTSIDE_MANDATE and not reference.is_mandate_area(area):
        raise RoutingRefused(
            "crime_area",
            f"unknown crime area {area!r}: use a Europol mandate area or {OUTSIDE_MANDATE!r}",
        )


def _check_override_reason(query: RoutingQuery) -> None:
    """An override is audited: it needs the officer's reason (recorded on the timeline)."""
    if query.preferred_channel is None:
        return
    if query.override_reason is None or not query.override_reason.strip():
        raise RoutingRefused(
            "override_reason",
            f"overriding the routing with {query.preferred_channel.value} requires a reason",
            rule="OVERRIDE",
        )
