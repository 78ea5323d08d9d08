"""The command line's process roles."""

import argparse
import asyncio
import importlib
import json
import os
import subprocess
import sys

import pytest
import uvloop

from oss_router.cli import main as cli
from oss_router.cli.roles import run_on_uvloop
from oss_router.command_line import LazyHandler


def test_roles_run_on_uvloop() -> None:
    async def loop_type() -> type[asyncio.AbstractEventLoop]:
        return type(asyncio.get_running_loop())

    assert run_on_uvloop(loop_type()) is uvloop.Loop


# What the light commands must not load: the web framework, the database layer, the broker
# client, the server (seconds of CPU together, issue 11).
HEAVY = ("fastapi", "starlette", "sqlalchemy", "aio_pika", "aiormq", "uvicorn", "alembic")
_PROBE = """
import contextlib, json, sys
from oss_router.cli import main as cli
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
        ["simulate", "inbound", "--help"],
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
    probe = "import json, sys; import oss_router.cli.roles; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = {name.partition(".")[0] for name in json.loads(done.stdout)}
    assert "sqlalchemy" in loaded
    assert loaded.isdisjoint({"fastapi", "starlette", "uvicorn", "alembic"})


def _handlers(parser: argparse.ArgumentParser) -> list[LazyHandler]:
    """Every command's handler, sub-commands included."""
    found = []
    handler = parser.get_default("handler")
    if isinstance(handler, LazyHandler):
        found.append(handler)
    for action in parser._actions:  # argparse keeps its sub-parsers only there
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found += _handlers(sub)
    return found


def test_every_command_names_a_handler_that_exists() -> None:
    # Handlers are named as text and imported only when their command runs: a moved module
    # would otherwise surface as a traceback the first time an operator runs that command.
    handlers = _handlers(cli._parser())
    assert len(handlers) >= 18  # serve … purge: every command of docs/configuration.md
    for handler in handlers:
        module = importlib.import_module(handler.module)
        assert callable(getattr(module, handler.function, None)), repr(handler)
