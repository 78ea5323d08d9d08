"""Builds and owns the long-lived parts of a process: engine, broker, relay, tracker, workers.

The gateway's lifespan and each CLI command build exactly the parts their role needs.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from oss_router.broker.contract import Broker, Consumer
from oss_router.broker.memory import MemoryBroker
from oss_router.broker.topology import build_topology
from oss_router.channel.registry import load_adapters
from oss_router.channel.worker import ChannelWorker
from oss_router.config import Settings
from oss_router.db import SessionMaker, create_engine, create_sessionmaker
from oss_router.messages.codes import Channel
from oss_router.outbox.relay import Relay
from oss_router.routing.policy import RoutingPolicy, load_policy
from oss_router.tracker.consumer import Tracker

log = logging.getLogger(__name__)


def create_broker(settings: Settings) -> Broker:
    if settings.uses_memory_broker:
        return MemoryBroker()
    from oss_router.broker.rabbitmq import RabbitBroker

    return RabbitBroker(settings.broker_url)


def create_policy(settings: Settings) -> RoutingPolicy:
    return load_policy(
        home_country=settings.home_country,
        urgent_target_hours=settings.urgent_target_hours,
        normal_target_hours=settings.normal_target_hours,
    )


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: SessionMaker
    broker: Broker
    policy: RoutingPolicy
    relay: Relay | None = None
    tracker: Tracker | None = None
    workers: dict[Channel, ChannelWorker] = field(default_factory=dict)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _consumers: list[Consumer] = field(default_factory=list)

    @classmethod
    async def open(cls, settings: Settings) -> "Runtime":
        policy = create_policy(settings)  # fails start-up on bad reference data
        engine = create_engine(settings.database_url)
        broker = create_broker(settings)
        await broker.connect()
        await broker.declare(build_topology(settings.channels, settings.retry_delays_ms))
        return cls(settings, engine, create_sessionmaker(engine), broker, policy)

    def outbox_written(self) -> None:
        """Wake the in-process relay right away instead of at its next poll."""
        if self.relay is not None:
            self.relay.wakeup.set()

    def start_relay(self) -> Relay:
        self.relay = Relay(
            self.sessions,
            self.broker,
            batch_size=self.settings.relay_batch_size,
            poll_seconds=self.settings.relay_poll_seconds,
        )
        self._spawn(self.relay.run, "relay")
        return self.relay

    async def start_tracker(self) -> Tracker:
        self.tracker = Tracker(self.sessions, self.broker)
        self._consumers.append(await self.tracker.start())
        return self.tracker

    async def start_workers(self, channels: list[Channel], environ: dict[str, str]) -> None:
        adapters = load_adapters(channels, environ)
        for channel, adapter in adapters.items():
            worker = ChannelWorker(
                adapter,
                self.broker,
                prefetch=self.settings.worker_prefetch,
                timeout_seconds=self.settings.adapter_timeout_seconds,
                max_attempts=self.settings.max_attempts,
                retry_delays_ms=self.settings.retry_delays_ms,
            )
            self.workers[channel] = worker
            self._consumers.append(await worker.start())

    def _spawn(self, run: Callable[[asyncio.Event], Awaitable[None]], name: str) -> None:
        async def guarded() -> None:
            await run(self._stop)

        self._tasks.append(asyncio.create_task(guarded(), name=name))

    async def close(self) -> None:
        """Stop consuming, let in-flight work settle, then close broker and engine."""
        self._stop.set()
        for consumer in self._consumers:
            with contextlib.suppress(Exception):
                await consumer.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=10)
        for worker in self.workers.values():
            await worker.adapter.aclose()
        await self.broker.close()
        await self.engine.dispose()

    async def wait_stopped(self) -> None:
        await self._stop.wait()

    def request_stop(self) -> None:
        self._stop.set()
