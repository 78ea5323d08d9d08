"""Register clients import neither SQLAlchemy, FastAPI nor aio-pika, not even transitively."""

import json
import subprocess
import sys

FORBIDDEN = ("sqlalchemy", "fastapi", "starlette", "aio_pika", "aiormq", "asyncpg")

# Runs in a fresh interpreter: this test process has other modules loaded already.
PROBE = """
import asyncio, json, sys
import oss_router_registers
from oss_router.messages.codes import Kind
register = oss_router_registers.wanted_persons({{"latency_ms": "0"}})
asyncio.run(register.check(Kind.PERSON, {{"family_name": "Nowak"}}))
roots = {{name.partition(".")[0] for name in sys.modules}}
print(json.dumps(sorted(roots & set({forbidden!r}))))
"""


def test_registers_do_not_import_infrastructure() -> None:
    code = PROBE.format(forbidden=FORBIDDEN)
    probe = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(probe.stdout) == []
