"""The command line's process roles."""

import asyncio
import json
import os
import subprocess
import sys

import pytest
import uvloop

from oss_router import cli
from oss_router.roles import run_on_uvloop


def test_roles_run_on_uvloop() -> None:
    async def loop_type() -> type[asyncio.AbstractEventLoop]:
        return type(asyncio.get_running_loop())

    assert run_on_uvloop(loop_type()) is uvloop.Loop


# What the light commands must not load: the web framework, the database layer, the broker
# client, the server (seconds of CPU together, issue 11).
HEAVY = ("fastapi", "starlette", "sqlalchemy", "aio_pika", "aiormq", "uvicorn", "alembic")
_PROBE = """
import contextlib, json, sys
from oss_router import cli
with contextlib.suppress(SystemExit):
    code = cli.main(sys.argv[1:])
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def _modules_loaded_by(*argv: str) -> set[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OSS_ROUTER_")}
    environment["OSS_ROUTER_DEV_SECRET"] = "s" * 40
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    loaded: list[str] = json.loads(done.stderr.strip().splitlines()[-1])
    return {name.partition(".")[0] for name in loaded}


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["token", "--help"],
        ["dead-letters", "list", "--help"],
        ["token", "issue", "--role", "officer", "--subject", "someone"],
    ],
)
def test_light_commands_do_not_load_the_application(argv: list[str]) -> None:
    loaded = _modules_loaded_by(*argv)
    assert "oss_router" in loaded
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_help_does_not_load_the_http_client_or_token_libraries() -> None:
    assert _modules_loaded_by("--help").isdisjoint({"httpx", "jwt", "cryptography", "uvloop"})


def test_a_lazy_handler_keeps_the_role_name_of_its_function() -> None:
    args = cli._parser().parse_args(["worker", "--channel", "pccc"])
    assert cli._role_name(args) == "worker:pccc"
    assert cli._role_name(cli._parser().parse_args(["relay"])) == "relay"


def test_the_consuming_roles_do_not_load_the_web_application() -> None:
    """relay, tracker, watch and workers start without FastAPI, uvicorn or Alembic."""
    probe = "import json, sys; import oss_router.roles; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = {name.partition(".")[0] for name in json.loads(done.stdout)}
    assert "sqlalchemy" in loaded
    assert loaded.isdisjoint({"fastapi", "starlette", "uvicorn", "alembic"})
