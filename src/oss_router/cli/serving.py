"""``oss-router serve`` (embedded all-in-one), ``gateway`` and ``migrate``: the commands that need
the web application or the migrations. Imported only when one of them runs."""

import argparse
import asyncio

from oss_router.app import create_app
from oss_router.auth.setup import check_configuration
from oss_router.config import Settings, get_settings
from oss_router.db import create_engine
from oss_router.gateway.http_server import serve_http
from oss_router.migrate import upgrade


def serve(_args: argparse.Namespace) -> int:
    settings = get_settings()
    check_configuration(settings)  # refuse before touching the database
    asyncio.run(_migrate_async(settings))
    return _run_gateway(settings, embedded=True)


def gateway(_args: argparse.Namespace) -> int:
    return _run_gateway(get_settings(), embedded=False)


def _run_gateway(settings: Settings, *, embedded: bool) -> int:
    app = create_app(settings, embedded=embedded)
    serve_http(app, settings)
    return 0


def migrate(_args: argparse.Namespace) -> int:
    asyncio.run(_migrate_async(get_settings()))
    return 0


async def _migrate_async(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
