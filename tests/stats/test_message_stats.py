"""The statistics count the messages of conversations and the reminders (the bureau's own
figures beside Directive (EU) 2023/977 Art. 18's), in the JSON and in the CSV export."""

from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from tests.conversations.conftest import answered_request, messages_path, set_dispatch
from tests.support.auth import auth_headers

from oss_router.auth.principal import Role
from oss_router.stats.export import to_csv
from oss_router.stats.schemas import StatsRead


async def test_messages_and_reminders_are_counted(app: FastAPI, client: httpx.AsyncClient) -> None:
    request = await answered_request(client)
    for text in ("Seen since?", "Any passengers?"):
        sent = await client.post(messages_path(request), json={"type": "follow_up", "text": text})
        assert sent.status_code == 202
    late = datetime.now(UTC) - timedelta(hours=3)
    await set_dispatch(app, request["dispatches"][0]["id"], status="delivered", due_at=late)
    assert (await client.post(messages_path(request, "reminder"), json={})).status_code == 202
    response = await client.get(
        "/v1/stats",
        params={"year": datetime.now(UTC).year},
        headers=auth_headers(app, Role.SUPERVISOR),
    )
    assert response.status_code == 200, response.text
    stats = response.json()
    counted = {(row["type"], row["direction"]): row["messages"] for row in stats["messages"]}
    assert counted[("follow_up", "outgoing")] == 2
    assert counted[("reminder", "outgoing")] == 1
    assert stats["reminders"] == 1
    rows = to_csv(StatsRead.model_validate(stats)).splitlines()
    assert any(
        line.startswith("messages,") and ",outgoing_follow_up,2," in line for line in rows
    ), rows
