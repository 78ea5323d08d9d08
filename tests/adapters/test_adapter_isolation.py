"""Adapters import neither SQLAlchemy, FastAPI nor aio-pika, not even transitively."""

import json
import subprocess
import sys

from oss_router.messages.codes import Channel

FORBIDDEN = ("sqlalchemy", "fastapi", "starlette", "aio_pika", "aiormq")

# Runs in a fresh interpreter: this test process has other modules loaded already.
PROBE = """
import importlib, json, sys
for channel in {channels!r}:
    importlib.import_module("oss_router_adapters." + channel)
roots = {{name.partition(".")[0] for name in sys.modules}}
print(json.dumps(sorted(roots & set({forbidden!r}))))
"""


def test_adapters_do_not_import_infrastructure() -> None:
    code = PROBE.format(channels=[str(c) for c in Channel], forbidden=FORBIDDEN)
    probe = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(probe.stdout) == []
