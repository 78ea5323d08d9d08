"""Builds and owns the long-lived parts of a process: engine, broker, relay, tracker, workers.

The gateway's lifespan and each CLI command build exactly the parts their role needs.
"""

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine

from oss_router import gauges
from oss_router.broker.contract import Broker, Consumer
from oss_router.broker.memory import MemoryBroker
from oss_router.broker.topology import (
    INBOUND_DEAD_QUEUE,
    INBOUND_QUEUE,
    RESULTS_DEAD_QUEUE,
    RESULTS_QUEUE,
    build_topology,
    dead_letter_queue,
    dispatch_queue,
)
from oss_router.channel.contract import ReceivingAdapter
from oss_router.channel.receiving import ChannelReceiver
from oss_router.channel.registry import load_adapters
from oss_router.channel.worker import ChannelWorker
from oss_router.clock import Clock, utcnow
from oss_router.config import Settings
from oss_router.db import SessionMaker, create_engine, create_sessionmaker
from oss_router.live.notices import NoticePublisher
from oss_router.messages.codes import Channel
from oss_router.outbox.recovery import republish_in_flight
from oss_router.outbox.relay import Relay
from oss_router.registers.service import NationalRegisters, close_registers, open_registers
from oss_router.request.batching import IntakeBatcher
from oss_router.routing.policy import RoutingPolicy, load_policy
from oss_router.sla.watch import DeadlineWatch
from oss_router.telemetry.server import MetricsServer
from oss_router.tracker.consumer import Tracker
from oss_router.tracker.inbox import InboxPruner
from oss_router.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from oss_router.registrar.consumer import Registrar

log = logging.getLogger(__name__)


def create_broker(settings: Settings, role: str = "embedded") -> Broker:
    if settings.uses_memory_broker:
        return MemoryBroker()
    from oss_router.broker.rabbitmq import RabbitBroker

    return RabbitBroker(
        settings.broker_url,
        publish_timeout=settings.publish_timeout_seconds,
        connection_name=f"oss-router {role} pid={os.getpid()}",
    )


def create_policy(settings: Settings) -> RoutingPolicy:
    return load_policy(
        home_country=settings.home_country,
        urgent_target_hours=settings.urgent_target_hours,
        normal_target_hours=settings.normal_target_hours,
        prum_target_minutes=settings.prum_target_minutes,
        pccc_target_hours=settings.pccc_target_hours,
    )


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: SessionMaker
    broker: Broker
    policy: RoutingPolicy
    clock: Clock = utcnow
    relay: Relay | None = None
    tracker: Tracker | None = None
    watch: DeadlineWatch | None = None
    metrics_server: MetricsServer | None = None
    workers: dict[Channel, ChannelWorker] = field(default_factory=dict)
    receivers: dict[Channel, ChannelReceiver] = field(default_factory=dict)
    registrar: "Registrar | None" = None
    registers: NationalRegisters | None = None
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _consumers: list[Consumer] = field(default_factory=list)
    notices: NoticePublisher = field(init=False)
    intake: IntakeBatcher = field(init=False)

    def __post_init__(self) -> None:
        self.notices = NoticePublisher(self.broker)
        self.intake = IntakeBatcher(
            self.sessions,
            self.policy,
            committed=self.committed,
            max_batch=self.settings.intake_batch_size,
        )

    @classmethod
    async def open(
        cls,
        settings: Settings,
        role: str = "embedded",
        *,
        clock: Clock = utcnow,
        registers: Mapping[str, str] | None = None,
    ) -> "Runtime":
        """Connect to the database and the broker and declare the topology; with ``registers``
        (the environment), first load the national registers (RegisterConfigError: the process
        does not start) and install them for ``registers.service.check_subject``.

        An unreachable RabbitMQ does not stop the start: the broker keeps reconnecting in the
        background (and declares the topology then), ``/readyz`` says unavailable meanwhile.
        """
        policy = create_policy(settings)  # fails start-up on bad reference data
        national = None
        if registers is not None:  # before any connection: a failure leaves nothing open
            national = open_registers(
                registers, timeout_seconds=settings.register_timeout_seconds, clock=clock
            )
        engine = create_engine(
            settings.database_url,
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
            pre_ping=settings.database_pre_ping,
        )
        broker = create_broker(settings, role)
        await broker.connect()
        await broker.declare(build_topology(settings.channels, settings.retry_delays_ms))
        runtime = cls(settings, engine, create_sessionmaker(engine), broker, policy, clock)
        runtime.registers = national
        return runtime

    def committed(self, uow: UnitOfWork) -> None:
        """After a gateway transaction committed: wake the relay if it wrote outbox rows, and
        publish the status notices it staged (best effort, screens also poll)."""
        if uow.outbox_written:
            self.outbox_written()
        self.notices.submit(uow.notices)

    def outbox_written(self) -> None:
        """Wake the in-process relay right away instead of at its next poll."""
        if self.relay is not None:
            self.relay.wakeup.set()

    def start_relay(self) -> Relay:
        relay = Relay(
            self.sessions,
            self.broker,
            batch_size=self.settings.relay_batch_size,
            poll_seconds=self.settings.relay_poll_seconds,
            linger_seconds=self.settings.relay_linger_ms / 1000,
            lease_seconds=self.settings.relay_lease_seconds,
            clock=self.clock,
        )
        self.relay = relay
        self._tasks.append(
            asyncio.create_task(relay.run(self._stop, self.settings.database_url), name="relay")
        )
        return relay

    async def start_tracker(self) -> Tracker:
        self.tracker = Tracker(
            self.sessions,
            self.broker,
            batch_size=self.settings.tracker_batch_size,
            linger_seconds=self.settings.tracker_linger_ms / 1000,
            idle_linger_seconds=self.settings.tracker_idle_linger_ms / 1000,
            clock=self.clock,
        )
        self._consumers.append(await self.tracker.start())
        pruner = InboxPruner(
            self.sessions,
            retention=timedelta(hours=self.settings.inbox_retention_hours),
            interval_seconds=self.settings.inbox_prune_interval_seconds,
            clock=self.clock,
        )
        self._spawn(pruner.run, "inbox-pruning")
        return self.tracker

    async def start_workers(self, channels: list[Channel], environ: dict[str, str]) -> None:
        adapters = load_adapters(channels, environ)
        for channel, adapter in adapters.items():
            worker = ChannelWorker(
                adapter,
                self.broker,
                prefetch=self.settings.worker_prefetch,
                timeout_seconds=self.settings.adapter_timeout_seconds,
                delivered_report_seconds=self.settings.delivered_report_ms / 1000,
                max_attempts=self.settings.max_attempts,
                retry_delays_ms=self.settings.retry_delays_ms,
                clock=self.clock,
            )
            self.workers[channel] = worker
            self._consumers.append(await worker.start())
            if isinstance(adapter, ReceivingAdapter):  # contract version 2
                receiver = ChannelReceiver(
                    adapter,
                    self.broker,
                    batch_size=self.settings.inbound_batch_size,
                    wait_seconds=self.settings.inbound_wait_seconds,
                    idle_max_seconds=self.settings.inbound_idle_max_seconds,
                )
                self.receivers[channel] = receiver
                self._spawn(receiver.run, f"receiver:{channel}")

    async def start_registrar(self, environ: Mapping[str, str]) -> "Registrar":
        """The registrar: the national registers (those ``open`` loaded, else loaded now; a
        register that cannot be loaded stops the start), then the consumer of the inbound
        queue."""
        from oss_router.registrar.consumer import Registrar  # the registering roles only

        if self.registers is None:
            self.registers = open_registers(
                environ, timeout_seconds=self.settings.register_timeout_seconds, clock=self.clock
            )
        self.registrar = Registrar(
            self.sessions,
            self.broker,
            check=self.registers.check,
            prefetch=self.settings.registrar_prefetch,
            idle_linger_seconds=self.settings.registrar_idle_linger_ms / 1000,
            clock=self.clock,
        )
        self._consumers.append(await self.registrar.start())
        return self.registrar

    def start_watch(self) -> DeadlineWatch:
        self.watch = DeadlineWatch(
            self.sessions,
            self.broker,
            warn_ahead=timedelta(minutes=self.settings.deadline_warning_minutes),
            interval_seconds=self.settings.watch_interval_seconds,
            batch_size=self.settings.watch_batch_size,
            automatic_reminders=self.settings.automatic_reminders,
            clock=self.clock,
        )
        self._spawn(self.watch.run, "deadline-watch")
        return self.watch

    async def start_metrics_server(self, role: str) -> MetricsServer | None:
        """``/metrics``, ``/healthz`` and ``/readyz`` for a role without a web server, on the
        role's own port (``Settings.metrics_port_of``). A port in use: ``PortInUseError``."""
        port = self.settings.metrics_port_of(role)
        if port == 0:
            return None
        self.metrics_server = MetricsServer(
            self.settings.metrics_host,
            port,
            refresh=self.refresh_gauges,
            ready=lambda: self.broker.is_connected,
        )
        await self.metrics_server.start()
        return self.metrics_server

    async def refresh_gauges(self, *, everything: bool = False) -> None:
        """Refresh the gauges this process's parts can see (the gateway: ``everything``)."""
        now = self.clock()
        if everything or self.relay is not None:
            await gauges.refresh_outbox(self.sessions, now)
        if everything or self.tracker is not None or self.watch is not None:
            await gauges.refresh_overdue(self.sessions, now)
        await gauges.refresh_queues(self.broker, self._watched_queues(everything))

    def _watched_queues(self, everything: bool) -> list[str]:
        channels = list(self.settings.channels) if everything else list(self.workers)
        queues = [name for c in channels for name in (dispatch_queue(c), dead_letter_queue(c))]
        if everything or self.tracker is not None:
            queues += [RESULTS_QUEUE, RESULTS_DEAD_QUEUE]
        if everything or self.registrar is not None:
            queues += [INBOUND_QUEUE, INBOUND_DEAD_QUEUE]
        return queues

    def _spawn(self, run: Callable[[asyncio.Event], Awaitable[None]], name: str) -> None:
        async def guarded() -> None:
            await run(self._stop)

        self._tasks.append(asyncio.create_task(guarded(), name=name))

    async def recover_in_flight(self) -> int:
        """Embedded mode with the in-process broker: re-publish what it lost at shutdown."""
        if not isinstance(self.broker, MemoryBroker):
            return 0
        return await republish_in_flight(self.sessions, self.broker)

    async def close(self) -> None:
        """Stop consuming, let in-flight work finish (up to the grace period), then close.
        Says what it waits for, and whether it finished or the grace period ran out."""
        self._stop.set()
        if self.metrics_server is not None:
            await self.metrics_server.close()
        # Loops that were only waiting for work (a receiver's long poll, an idle relay) end at
        # their next turn once they see the stop: let them, so that the line below names only
        # what is really still busy.
        idle = [task for task in self._tasks if not task.done()]
        if idle:
            await asyncio.wait(idle, timeout=0.05)
        grace = self.settings.shutdown_grace_seconds
        log.info(
            "shutdown: no new work taken; waiting up to %gs for %s",
            grace,
            self.describe_in_flight(),
        )
        started = time.monotonic()
        ran_out: list[bool] = []
        over = asyncio.get_running_loop().call_later(grace, self._grace_over, grace, ran_out)
        await asyncio.gather(
            *(self._cancel(consumer, grace) for consumer in self._consumers),
            *(self._finish(task, grace) for task in self._tasks),
        )
        over.cancel()
        if not ran_out:
            log.info("shutdown: in-flight work finished in %.1fs", time.monotonic() - started)
        for worker in self.workers.values():
            await worker.adapter.aclose()
        if self.registers is not None:
            await close_registers(self.registers)
        await self.intake.flush()
        await self.notices.flush()
        await self.broker.close()
        await self.engine.dispose()

    def in_flight(self) -> dict[str, int]:
        """Messages being handled, per part: a worker's dispatches, the tracker's results."""
        counts = {f"worker:{channel}": worker.in_flight for channel, worker in self.workers.items()}
        if self.tracker is not None:
            counts["tracker"] = self.tracker.in_flight
        if self.registrar is not None:
            counts["registrar"] = self.registrar.in_flight
        return counts

    def describe_in_flight(self) -> str:
        """``worker:sirene 3 dispatch(es), tracker 0 result(s); loops still running: relay``."""
        nouns = {"tracker": "result(s)", "registrar": "partner message(s)"}
        parts = [
            f"{part} {count} {nouns.get(part, 'dispatch(es)')}"
            for part, count in self.in_flight().items()
        ]
        running = [task.get_name() for task in self._tasks if not task.done()]
        text = ", ".join(parts) or "no message in flight"
        return f"{text}; loops still running: {', '.join(running)}" if running else text

    def _grace_over(self, grace: float, ran_out: list[bool]) -> None:
        ran_out.append(True)
        log.warning(
            "shutdown: grace period of %gs over, cancelling what is still in flight: %s "
            "(unacknowledged messages go back to their queue)",
            grace,
            self.describe_in_flight(),
        )

    @staticmethod
    async def _cancel(consumer: Consumer, grace: float) -> None:
        try:
            await consumer.cancel(grace_seconds=grace)
        except Exception:
            log.exception("shutdown: a consumer did not stop cleanly")

    @staticmethod
    async def _finish(task: "asyncio.Task[None]", grace: float) -> None:
        done, _ = await asyncio.wait([task], timeout=grace)
        if not done:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task

    async def wait_stopped(self) -> None:
        await self._stop.wait()

    def request_stop(self) -> None:
        self._stop.set()
