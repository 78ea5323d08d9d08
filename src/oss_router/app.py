"""The FastAPI application (the gateway) and its lifespan."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from oss_router import __version__, redaction
from oss_router.attachments.endpoints import router as attachments_router
from oss_router.attachments.limits import upload_body_limits
from oss_router.audit.endpoints import router as audit_router
from oss_router.auth.endpoints import router as auth_router
from oss_router.auth.setup import build_authentication
from oss_router.cases.endpoints import router as cases_router
from oss_router.channel.endpoints import router as channels_router
from oss_router.channel.registry import installed_channels
from oss_router.clock import Clock, utcnow
from oss_router.config import Settings, get_settings
from oss_router.conversations.endpoints import router as conversations_router
from oss_router.deps import get_principal
from oss_router.gateway import api_docs, openapi, problems
from oss_router.gateway.headers import SecurityHeaders
from oss_router.gateway.input_guard import TextGuard, refuse_unknown_query
from oss_router.gateway.limits import BodyGuard
from oss_router.inbound.action_endpoints import router as inbound_actions_router
from oss_router.inbound.endpoints import router as inbound_router
from oss_router.live.endpoints import router as live_router
from oss_router.live.feed import LiveFeed
from oss_router.live.hub import LiveHub
from oss_router.migrate import upgrade
from oss_router.request.endpoints import router as requests_router
from oss_router.routing.endpoints import router as routing_router
from oss_router.runtime import Runtime
from oss_router.search.endpoints import router as search_router
from oss_router.simulation.endpoints import router as simulation_router
from oss_router.stats.endpoints import router as stats_router
from oss_router.telemetry.endpoints import router as telemetry_router
from oss_router.telemetry.health import router as health_router
from oss_router.telemetry.http import HttpTelemetry
from oss_router.telemetry.logs import install_record_factory
from oss_router.web.endpoints import install as install_web

# Every /v1 router but the token endpoints': no call gets past without a valid token (401).
AUTHENTICATED = [Depends(get_principal)]


def create_app(
    settings: Settings | None = None,
    *,
    embedded: bool | None = None,
    migrate: bool = False,
    clock: Clock = utcnow,
) -> FastAPI:
    """The gateway. ``embedded`` also runs relay, tracker and every stub adapter in-process
    (the default with the in-process broker, where no other process could reach the queues).

    Raises ``InsecureConfigurationError`` when the security settings are unfit (production
    with development keys, say): the service refuses to start rather than run exposed."""
    settings = settings or get_settings()
    run_all = settings.uses_memory_broker if embedded is None else embedded
    redaction.install()
    authentication = build_authentication(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # A broken national register stops the start, loudly (registers/registry.py).
        runtime = await Runtime.open(
            settings, role="embedded" if run_all else "gateway", clock=clock, registers=os.environ
        )
        if migrate:
            await upgrade(runtime.engine)
        if run_all:
            await start_embedded(runtime)
        app.state.runtime = runtime
        installed_channels()  # looked up once, here: GET /v1/channels reads the cached answer
        # Subscribed to the status exchange while a stream listens (live/feed.py).
        feed = LiveFeed(runtime, LiveHub(capacity=settings.live_queue_size))
        app.state.live_feed = feed
        try:
            yield
        finally:
            await feed.stop()
            await runtime.close()
            await authentication.aclose()

    docs = not settings.production
    app = FastAPI(
        title="oss-router",
        version=__version__,
        summary="One stop shop for international police information exchange",
        lifespan=lifespan,
        dependencies=[Depends(refuse_unknown_query)],
        docs_url=None,  # served from this host by api_docs, not from a CDN
        redoc_url=None,
    )
    app.state.clock = clock
    install_record_factory()
    app.state.authentication = authentication
    problems.install(app)
    openapi.install(app)
    app.add_middleware(
        BodyGuard,
        max_body_bytes=settings.max_body_bytes,
        upload_limits=upload_body_limits(settings),
    )
    app.add_middleware(TextGuard)
    app.add_middleware(HttpTelemetry)
    app.add_middleware(
        SecurityHeaders,
        hsts_seconds=settings.hsts_seconds,
        docs_enabled=docs,
        connect_to=[settings.oidc_token_url] if settings.oidc_token_url else [],
    )
    _allow_cross_origin(app, settings)
    _include_routes(app, docs=docs)
    return app


def _include_routes(app: FastAPI, *, docs: bool) -> None:
    app.include_router(health_router)
    app.include_router(telemetry_router)
    app.include_router(auth_router)
    for router in (
        stats_router,
        requests_router,
        inbound_router,
        inbound_actions_router,
        cases_router,
        conversations_router,
        search_router,
        attachments_router,
        channels_router,
        routing_router,
        live_router,
        audit_router,
        simulation_router,
    ):
        app.include_router(router, dependencies=AUTHENTICATED)
    install_web(app)
    if docs:
        api_docs.install(app)


def _allow_cross_origin(app: FastAPI, settings: Settings) -> None:
    """CORS is closed unless origins are configured (the web client is served same-origin)."""
    if not settings.cors_origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
        expose_headers=["Location", "Retry-After", "Idempotent-Replayed"],
        max_age=600,
    )


async def start_embedded(runtime: Runtime) -> None:
    """Relay, tracker, registrar, deadline watch and one worker per configured channel (with
    its receive loop), as tasks."""
    await runtime.recover_in_flight()
    await runtime.start_tracker()
    await runtime.start_registrar(os.environ)
    await runtime.start_workers(list(runtime.settings.channels), dict(os.environ))
    runtime.start_relay()
    runtime.start_watch()
