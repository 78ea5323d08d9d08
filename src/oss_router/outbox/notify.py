"""Waking relays in other processes when outbox rows are committed (PostgreSQL LISTEN/NOTIFY).

A statement trigger on ``outbox_messages`` (migration 0003) calls ``pg_notify`` inside the
writer's transaction: PostgreSQL delivers it only when (and if) that transaction commits, so a
relay is never woken for rows it cannot see yet, and no writer can forget to notify. The relay
listens on a dedicated connection; polling remains as the fallback when that connection is down.
"""

import asyncio
import contextlib
import logging

import asyncpg
from sqlalchemy.engine import make_url

from oss_router.aio import first_completed, wait_event

log = logging.getLogger(__name__)

CHANNEL = "oss_router_outbox"
RECONNECT_SECONDS = 1.0


def asyncpg_dsn(database_url: str) -> str:
    """The SQLAlchemy URL as a plain libpq DSN for asyncpg."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class OutboxListener:
    """Sets ``wakeup`` on every notification, and once after each (re)connection."""

    def __init__(self, database_url: str, wakeup: asyncio.Event) -> None:
        self._dsn = asyncpg_dsn(database_url)
        self._wakeup = wakeup
        self.listening = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self._listen_until(stop)
            except (OSError, asyncpg.PostgresError, TimeoutError) as error:
                log.warning("relay: LISTEN connection failed (%r); polling meanwhile", error)
            await wait_event(stop, RECONNECT_SECONDS)

    async def _listen_until(self, stop: asyncio.Event) -> None:
        connection = await asyncpg.connect(self._dsn, timeout=10)
        lost = asyncio.Event()
        try:
            connection.add_termination_listener(lambda _connection: lost.set())
            await connection.add_listener(CHANNEL, self._notified)
            self.listening.set()
            self._wakeup.set()  # rows committed while we were not listening
            await first_completed(stop.wait(), lost.wait())
        finally:
            self.listening.clear()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), 5)

    def _notified(self, *_args: object) -> None:
        self._wakeup.set()
