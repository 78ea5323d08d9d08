"""How fast the audit chain is verified (``oss-router audit verify``, GET /v1/audit/verification).

    .venv/bin/python -m bench.audit_verify DATABASE_URL [--entries 100000]

Migrates DATABASE_URL (use an empty database: it appends ``--entries`` consultations to its
audit log, 1,000 per transaction), then walks the whole chain as the command does and prints
entries per second. It asserts nothing.
"""

import argparse
import asyncio
import time
from datetime import UTC, datetime
from uuid import uuid4

from oss_router.audit import service
from oss_router.audit.service import Action, Actor, AuditRecord
from oss_router.audit.verify import verify_in_batches
from oss_router.db import SessionMaker, create_engine, create_sessionmaker, transaction
from oss_router.migrate import upgrade

PURPOSE = "Investigation of an organised vehicle theft ring, case 2026/114"


async def fill(sessions: SessionMaker, entries: int) -> None:
    actor = Actor("officer:bench", "officer")
    for _ in range(entries // 1000):
        records = [
            AuditRecord(Action.CONSULTATION, actor, uuid4(), PURPOSE, detail={"via": "list"})
            for _ in range(1000)
        ]
        async with transaction(sessions) as session:
            await service.append(session, records, datetime.now(UTC))


async def main(database_url: str, entries: int) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        sessions = create_sessionmaker(engine)
        await fill(sessions, entries)
        started = time.perf_counter()
        report = await verify_in_batches(sessions)
        seconds = time.perf_counter() - started
        print(
            f"{report.entries} entries, ok={report.ok}, {seconds:.1f} s, "
            f"{report.entries / seconds:,.0f} entries/s"
        )
    finally:
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--entries", type=int, default=100_000)
    args = parser.parse_args()
    asyncio.run(main(args.database_url, args.entries))
