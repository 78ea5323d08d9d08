"""The command line's process roles."""

import asyncio

import uvloop

from oss_router.cli import run_on_uvloop


def test_roles_run_on_uvloop() -> None:
    async def loop_type() -> type[asyncio.AbstractEventLoop]:
        return type(asyncio.get_running_loop())

    assert run_on_uvloop(loop_type()) is uvloop.Loop
