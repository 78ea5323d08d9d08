"""Statistics (Directive 2023/977 Art. 18) on a known data set, on SQLite and PostgreSQL.

The data set, all times in UTC (T = 2026-03-02 10:00):

request  sent to (channel)   urgency          what became of it
r1       DE (europol)        normal (7 days)  answered hit after 2 h (in time)
r2       DE (europol)        urgent (8 h)     answered no_hit after 10 h (late)
r3       FR (europol)        normal           refused, ground c, after 1 h
r4       US (interpol)       normal           failed
r5       DE (europol)        normal           cancelled while queued: never sent
r6       DE (europol)        normal           sent, then cancelled
r7       FR (europol)        normal           sent, no answer yet
r8       DE + FR (europol)   normal           DE refused (ground f) after 3 h, FR no_hit after 5 h
r9       DE (europol)        normal           sent 2025-12-31 23:59:59, answered 2026: year 2025
r10      DE (europol)        normal           sent 2027-01-01 00:00: year 2027
"""

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI
from tests.support.clock import FrozenClock
from tests.support.gateway import quiet_gateway, runtime_of
from tests.support.payloads import request_body

from oss_router.auth.principal import Principal, Role
from oss_router.cli import main as cli
from oss_router.config import Settings, get_settings
from oss_router.deps import get_principal
from oss_router.messages.codes import Channel, Outcome, RefusalGround
from oss_router.messages.result import DispatchResult, ResultStatus, result_message_id
from oss_router.outbox.relay import Relay
from oss_router.tracker.service import apply_results
from oss_router.unit_of_work import unit_of_work

T = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
URGENT_DIRECT = {
    "urgency": "urgent",
    "urgency_ground": "public_security_threat",
    "access_type": "direct",
}


def supervisor() -> Principal:
    return Principal(subject="sup-1", role=Role.SUPERVISOR)


def officer() -> Principal:
    return Principal(subject="desk-1", role=Role.OFFICER)


class DataSet:
    def __init__(self, app: FastAPI, http: httpx.AsyncClient, clock: FrozenClock) -> None:
        self.app, self.http, self.clock = app, http, clock

    async def create(self, at: datetime, **overrides: Any) -> dict[str, Any]:
        self.clock.set(at)
        response = await self.http.post("/v1/requests", json=request_body(**overrides))
        assert response.status_code == 202, response.text
        body: dict[str, Any] = response.json()
        return body

    async def cancel(self, request: dict[str, Any]) -> None:
        response = await self.http.post(
            f"/v1/requests/{request['id']}/cancel", json={"reason": "no longer needed"}
        )
        assert response.status_code == 200, response.text

    async def publish(self) -> None:
        runtime = runtime_of(self.app)
        relay = Relay(runtime.sessions, runtime.broker, clock=self.clock)
        while await relay.publish_pending():
            pass

    async def report(
        self,
        request: dict[str, Any],
        status: ResultStatus,
        after: timedelta,
        *,
        country: str | None = None,
        outcome: Outcome | None = None,
        ground: RefusalGround | None = None,
        reason: str | None = None,
    ) -> None:
        dispatch = next(
            d for d in request["dispatches"] if country is None or d["country"] == country
        )
        at = datetime.fromisoformat(request["created_at"]) + after
        result = DispatchResult(
            message_id=result_message_id(UUID(dispatch["id"]), status),
            request_id=UUID(request["id"]),
            dispatch_id=UUID(dispatch["id"]),
            correlation_id=request["id"],
            channel=Channel(dispatch["channel"]),
            status=status,
            outcome=outcome,
            refusal_ground=ground,
            refusal_reason=reason,
            error="channel down" if status == "failed" else None,
            occurred_at=at,
        )
        async with unit_of_work(runtime_of(self.app).sessions) as uow:
            assert await apply_results(uow, [result], at)

    async def build(self) -> None:
        r1 = await self.create(T)
        r2 = await self.create(T + timedelta(hours=1), **URGENT_DIRECT)
        r3 = await self.create(T + timedelta(hours=2), target_countries=["FR"])
        r4 = await self.create(T + timedelta(hours=3), target_countries=["US"])
        r5 = await self.create(T + timedelta(hours=4))
        await self.cancel(r5)
        r6 = await self.create(T + timedelta(hours=5))
        r7 = await self.create(T + timedelta(hours=6), target_countries=["FR"])
        r8 = await self.create(T + timedelta(hours=7), target_countries=["DE", "FR"])
        r9 = await self.create(datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC))
        r10 = await self.create(datetime(2027, 1, 1, tzinfo=UTC))
        r11 = await self.create(T + timedelta(hours=8), target_countries=["TR"])
        await self.publish()
        await self.cancel(r6)
        await self.report(r1, "answered", timedelta(hours=2), outcome=Outcome.HIT)
        await self.report(r2, "answered", timedelta(hours=10), outcome=Outcome.NO_HIT)
        await self.report(
            r3, "answered", timedelta(hours=1), outcome=Outcome.REFUSED, ground=RefusalGround.C
        )
        await self.report(r4, "failed", timedelta(hours=1))
        await self.report(
            r8,
            "answered",
            timedelta(hours=3),
            country="DE",
            outcome=Outcome.REFUSED,
            ground=RefusalGround.F,
        )
        await self.report(r8, "answered", timedelta(hours=5), country="FR", outcome=Outcome.NO_HIT)
        await self.report(r9, "answered", timedelta(hours=1), outcome=Outcome.HIT)
        await self.report(r10, "answered", timedelta(hours=1), outcome=Outcome.HIT)
        # A liaison officer's refusal is in its own words: not an Art. 6 refusal.
        await self.report(
            r11, "answered", timedelta(hours=1), outcome=Outcome.REFUSED, reason="not my remit"
        )
        assert r7["dispatches"][0]["country"] == "FR"  # published above, never answered


@pytest.fixture
async def known_data(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    clock = FrozenClock(T)
    async with quiet_gateway(settings, clock) as (app, http):
        await DataSet(app, http, clock).build()
        clock.set(datetime(2027, 2, 1, tzinfo=UTC))
        app.dependency_overrides[get_principal] = supervisor
        yield app, http


def zeros(**counts: int) -> dict[str, int]:
    base = dict.fromkeys(
        [
            "sent",
            "answered",
            "answered_in_time",
            "answered_late",
            "refused",
            "failed",
            "cancelled",
            "pending",
        ],
        0,
    )
    return {**base, **counts}


EXPECTED_SENT = [
    {
        "channel": "europol",
        "country": "DE",
        "urgency": "normal",
        **zeros(sent=3, answered=2, answered_in_time=2, refused=1, cancelled=1),
        "under_directive": True,
    },
    {
        "channel": "europol",
        "country": "DE",
        "urgency": "urgent",
        **zeros(sent=1, answered=1, answered_late=1),
        "under_directive": True,
    },
    {
        "channel": "europol",
        "country": "FR",
        "urgency": "normal",
        **zeros(sent=3, answered=2, answered_in_time=2, refused=1, pending=1),
        "under_directive": True,
    },
    {
        "channel": "interpol",
        "country": "US",
        "urgency": "normal",
        **zeros(sent=1, failed=1),
        "under_directive": False,
    },
    {
        "channel": "liaison_officer",
        "country": "TR",
        "urgency": "normal",
        **zeros(sent=1, answered=1, answered_in_time=1, refused=1),
        "under_directive": False,
    },
]


async def test_yearly_figures_match_the_known_data_set(
    known_data: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _app, http = known_data
    response = await http.get("/v1/stats", params={"year": 2026})
    assert response.status_code == 200, response.text
    stats = response.json()

    assert stats["year"] == 2026
    assert stats["period_start"].startswith("2026-01-01T00:00:00")
    assert stats["sent"] == EXPECTED_SENT
    # Art. 18(2)(a): requests under the Directive only; INTERPOL's is another channel's.
    assert stats["totals"] == zeros(
        sent=7,
        answered=5,
        answered_in_time=4,
        answered_late=1,
        refused=2,
        cancelled=1,
        pending=1,
    )
    assert stats["other_channels"] == zeros(
        sent=2, answered=1, answered_in_time=1, refused=1, failed=1
    )
    assert stats["articles"]["totals"].startswith("Art. 18(2)(a)")
    assert stats["articles"]["other_channels"].startswith("not an Art. 18 figure")
    assert [(row["country"], row["sent"]) for row in stats["by_country"]] == [
        ("DE", 4),
        ("FR", 3),
    ]
    assert [(row["channel"], row["sent"]) for row in stats["by_channel"]] == [
        ("europol", 7),
        ("interpol", 1),
        ("liaison_officer", 1),
    ]
    assert [(row["urgency"], row["sent"]) for row in stats["by_urgency"]] == [
        ("normal", 6),
        ("urgent", 1),
    ]
    assert stats["refusals"] == [
        {"country": "DE", "refusal_ground": "f", "refusals": 1},
        {"country": "FR", "refusal_ground": "c", "refusals": 1},
    ]
    # europol answer times: 1 h, 2 h, 3 h, 5 h, 10 h -> nearest-rank median 3 h, p90 10 h
    assert stats["answer_times"] == [
        {"channel": "europol", "answered": 5, "median_seconds": 10800.0, "p90_seconds": 36000.0},
        {
            "channel": "liaison_officer",
            "answered": 1,
            "median_seconds": 3600.0,
            "p90_seconds": 3600.0,
        },
    ]


async def test_years_are_separated_at_midnight_utc(
    known_data: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _app, http = known_data
    before = (await http.get("/v1/stats", params={"year": 2025})).json()
    after = (await http.get("/v1/stats", params={"year": 2027})).json()
    assert before["totals"]["sent"] == 1
    assert before["totals"]["answered_in_time"] == 1
    assert after["totals"]["sent"] == 1
    assert (await http.get("/v1/stats", params={"year": 2024})).json()["sent"] == []


async def test_stats_need_a_supervisor_and_a_plausible_year(
    known_data: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, http = known_data
    bad_year = await http.get("/v1/stats", params={"year": 1999})
    assert bad_year.status_code == 422
    assert bad_year.headers["content-type"].startswith("application/problem+json")
    assert "year" in bad_year.text
    app.dependency_overrides[get_principal] = officer
    forbidden = await http.get("/v1/stats", params={"year": 2026})
    assert forbidden.status_code == 403
    assert forbidden.headers["content-type"].startswith("application/problem+json")


async def test_cli_exports_csv_and_json_with_progress_on_stderr(
    known_data: tuple[FastAPI, httpx.AsyncClient],
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("OSS_ROUTER_DATABASE_URL", database_url)
    monkeypatch.setattr(cli, "configure_logging", lambda role: None)
    get_settings.cache_clear()
    try:
        csv_code = await asyncio.to_thread(cli.main, ["stats", "--year", "2026"])
        csv_out = capsys.readouterr()
        json_code = await asyncio.to_thread(
            cli.main, ["stats", "--year", "2026", "--format", "json"]
        )
        json_out = capsys.readouterr()
    finally:
        get_settings.cache_clear()

    assert (csv_code, json_code) == (0, 0)
    rows = list(csv.DictReader(io.StringIO(csv_out.out)))
    assert list(rows[0]) == [
        "section",
        "channel",
        "country",
        "urgency",
        "refusal_ground",
        "measure",
        "value",
        "basis",
    ]
    figures = {(r["section"], r["channel"], r["country"], r["measure"]): r["value"] for r in rows}
    assert figures[("totals", "", "", "sent")] == "7"
    assert figures[("other_channels", "", "", "sent")] == "2"
    bases = {(r["section"], r["country"]): r["basis"] for r in rows if r["measure"] == "sent"}
    assert bases[("totals", "")].startswith("Art. 18(2)(a)")
    assert bases[("sent", "TR")].startswith("not an Art. 18 figure")
    assert figures[("by_country", "", "DE", "answered_late")] == "1"
    assert figures[("answer_times", "europol", "", "p90_seconds")] == "36000.0"
    assert figures[("refusals", "", "FR", "refusals")] == "1"
    assert "statistics 2026: 5/5" in csv_out.err
    assert json.loads(json_out.out)["sent"] == EXPECTED_SENT
