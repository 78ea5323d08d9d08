"""The FastAPI application (the gateway) and its lifespan."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from oss_router import __version__, problems
from oss_router.channel.endpoints import router as channels_router
from oss_router.clock import Clock, utcnow
from oss_router.config import Settings, get_settings
from oss_router.health import router as health_router
from oss_router.limits import BodyGuard
from oss_router.live.endpoints import router as live_router
from oss_router.live.feed import LiveFeed
from oss_router.live.hub import LiveHub
from oss_router.migrate import upgrade
from oss_router.request.endpoints import router as requests_router
from oss_router.routing.endpoints import router as routing_router
from oss_router.runtime import Runtime
from oss_router.stats.endpoints import router as stats_router
from oss_router.telemetry.endpoints import router as telemetry_router
from oss_router.telemetry.http import HttpTelemetry
from oss_router.telemetry.logs import install_record_factory
from oss_router.web.endpoints import install as install_web


def create_app(
    settings: Settings | None = None,
    *,
    embedded: bool | None = None,
    migrate: bool = False,
    clock: Clock = utcnow,
) -> FastAPI:
    """The gateway. ``embedded`` also runs relay, tracker and every stub adapter in-process
    (the default with the in-process broker, where no other process could reach the queues)."""
    settings = settings or get_settings()
    run_all = settings.uses_memory_broker if embedded is None else embedded

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await Runtime.open(
            settings, role="embedded" if run_all else "gateway", clock=clock
        )
        if migrate:
            await upgrade(runtime.engine)
        if run_all:
            await start_embedded(runtime)
        app.state.runtime = runtime
        feed = LiveFeed(runtime, LiveHub(capacity=settings.live_queue_size))
        await feed.start()
        app.state.live_hub = feed.hub
        try:
            yield
        finally:
            await feed.stop()
            await runtime.close()

    app = FastAPI(
        title="oss-router",
        version=__version__,
        summary="One stop shop for international police information exchange",
        lifespan=lifespan,
    )
    app.state.clock = clock
    install_record_factory()
    problems.install(app)
    app.add_middleware(BodyGuard, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(HttpTelemetry)
    app.include_router(health_router)
    app.include_router(telemetry_router)
    app.include_router(stats_router)
    app.include_router(requests_router)
    app.include_router(channels_router)
    app.include_router(routing_router)
    app.include_router(live_router)
    install_web(app)
    return app


async def start_embedded(runtime: Runtime) -> None:
    """Relay, tracker, deadline watch and one worker per configured channel, as tasks."""
    await runtime.recover_in_flight()
    await runtime.start_tracker()
    await runtime.start_workers(list(runtime.settings.channels), dict(os.environ))
    runtime.start_relay()
    runtime.start_watch()
