"""The requested side of the Art. 18 statistics (Directive 2023/977 Art. 18(2)(b)-(d)) on a
known data set, SQLite and PostgreSQL. All times UTC, T = 2026-03-02 10:00:

received  from (channel)     urgency  what became of it
a         DE (europol)       normal   answered after 2 h (in time: due in 7 days)
b         DE (europol)       urgent   answered after 10 h (late: due in 8 h)
c         FR (europol)       normal   refused, ground c
d         US (interpol)      normal   refused with a reason (no Art. 6(1) ground)
e         DE (europol)       normal   delay notified (judicial authorisation), still open
f         US (interpol)      normal   delay notified, still open: no Art. 5(2) deviation
g         DE (europol)       normal   received 2025-12-31 23:59:59: year 2025
"""

import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI
from tests.support.auth import auth_headers
from tests.support.clock import FrozenClock
from tests.support.gateway import quiet_gateway, runtime_of
from tests.support.inbound import seed_inbound

from oss_router.auth.principal import Role
from oss_router.config import Settings
from oss_router.models import InboundReply
from oss_router.stats.export import to_csv
from oss_router.stats.service import yearly_stats

T = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
async def gateway(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    async with quiet_gateway(settings, FrozenClock(T + timedelta(days=30))) as pair:
        await _data_set(pair[0])
        yield pair


async def _delay(app: FastAPI, inbound_id: UUID) -> None:
    async with runtime_of(app).sessions() as session:
        session.add(
            InboundReply(
                id=uuid.uuid4(),
                inbound_id=inbound_id,
                channel="europol",
                type="delay_notice",
                body={"reason": "court"},
                status="delivered",
                attempts=1,
                created_by="officer:sofia",
                created_at=T,
                updated_at=T,
            )
        )
        await session.commit()


async def _data_set(app: FastAPI) -> None:
    week, eight = T + timedelta(days=7), T + timedelta(hours=8)
    await seed_inbound(app, T, status="answered", answered_at=T + timedelta(hours=2), due_at=week)
    await seed_inbound(
        app,
        T,
        urgency="urgent",
        urgency_ground="public_security_threat",
        status="answered",
        answered_at=T + timedelta(hours=10),
        due_at=eight,
    )
    await seed_inbound(
        app, T, requesting_country="FR", status="refused", outcome="refused", refusal_ground="c"
    )
    await seed_inbound(
        app, T, channel="interpol", requesting_country="US", status="refused", outcome="refused"
    )
    await _delay(app, await seed_inbound(app, T, status="assigned"))
    await _delay(
        app,
        await seed_inbound(app, T, channel="interpol", requesting_country="US", status="assigned"),
    )
    await seed_inbound(app, datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC))


async def test_the_received_side_as_article_18_lists_it(
    gateway: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, http = gateway
    response = await http.get(
        "/v1/stats", params={"year": 2026}, headers=auth_headers(app, Role.SUPERVISOR)
    )
    assert response.status_code == 200, response.text
    received = response.json()["received"]

    assert received["totals"] == {
        "received": 6,
        "answered": 2,
        "answered_in_time": 1,
        "answered_late": 1,
        "refused": 2,
        "pending": 2,
        "delayed": 2,
    }
    by_country = {
        row["country"]: (row["received"], row["answered"]) for row in received["by_country"]
    }
    assert by_country == {"DE": (3, 2), "FR": (1, 0), "US": (2, 0)}
    by_urgency = {row["urgency"]: row["received"] for row in received["by_urgency"]}
    assert by_urgency == {"normal": 5, "urgent": 1}
    assert [
        (r["channel"], r["country"], r["refusal_ground"], r["refusals"])
        for r in received["refusals"]
    ] == [
        ("europol", "FR", "c", 1),
        ("interpol", "US", None, 1),
    ]
    # Art. 18(2)(d): only the Directive request's delay deviates from Art. 5(1).
    assert received["deviations"] == [{"country": "DE", "deviations": 1}]


async def test_the_csv_carries_the_received_sections(
    gateway: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, _ = gateway
    async with runtime_of(app).sessions() as session:
        stats = await yearly_stats(session, 2025, T)
    rows = list(csv.DictReader(io.StringIO(to_csv(stats))))
    figures = {(r["section"], r["country"], r["measure"]): r["value"] for r in rows}
    assert figures[("received_totals", "", "received")] == "1"  # g, the 2025 one
    assert figures[("received_by_country", "DE", "pending")] == "1"
    assert figures[("received_rows", "DE", "received")] == "1"
