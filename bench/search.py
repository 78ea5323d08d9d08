"""Search latency on PostgreSQL: seeds stored requests in bulk (COPY, not through the API),
then times ``search.service.search`` (the endpoint's function, audit included) over realistic
queries and prints p50/p95 per query (docs/performance.md, "Search").

    .venv/bin/python -m bench.search --database postgresql+asyncpg://localhost/bench_search \
        --requests 100000
"""

import argparse
import asyncio
import json
import random
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
from sqlalchemy import text

from oss_router.auth.principal import Principal, Role
from oss_router.db import create_engine, create_sessionmaker
from oss_router.migrate import upgrade
from oss_router.search import service
from oss_router.search.documents import inbound_text, request_text

FAMILY = ["Kowalski", "Müller", "Nowak", "Dvořák", "Jørgensen", "Łukasiewicz", "Schmidt", "Rossi"]
GIVEN = ["Jan", "Jürgen", "Anna", "Åse", "Piotr", "Zoë", "Marco", "Ewa"]
QUERIES = [
    "Łukasiewicz Jan",  # full name
    "lukasiewicz",  # without diacritics
    "gcdx00123",  # part of a VIN (some 40 vehicles' VINs hold it)
    "ea0012346",  # a document number (request 12,346's)
    "OSS/2026/00042",  # our reference
    "DE-BKA-2026-77",  # a partner's reference
]


def _subject(n: int) -> tuple[str, dict[str, object]]:
    if n % 3 == 0:
        return "vehicle", {"vin": f"WF0XXXGCDX{n:07d}"[-17:], "make": "Ford"}
    if n % 3 == 1:
        return "document", {"document_type": "passport", "document_number": f"EA{n:07d}"}
    name = {"family_name": random.choice(FAMILY), "given_names": random.choice(GIVEN)}
    return "person", name


async def seed(dsn: str, requests: int, inbound: int) -> None:
    connection = await asyncpg.connect(dsn)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for n in range(requests):
        kind, subject = _subject(n)
        reference = f"OSS/2026/{n:05d}"
        at = start + timedelta(seconds=n * 30)
        rows.append(
            (
                uuid.uuid4(),
                "answered",
                kind,
                json.dumps(subject),
                "x" * 64,
                '["DE"]',
                "standard",
                "direct",
                "other",
                False,
                "H0",
                reference,
                "[]",
                "bench",
                "desk",
                "bench",
                "x" * 64,
                at,
                at,
                at,
                request_text(subject, reference),
            )
        )
    columns = [
        "id",
        "status",
        "kind",
        "subject",
        "subject_fingerprint",
        "target_countries",
        "urgency",
        "access_type",
        "crime_area",
        "border_area",
        "handling_code",
        "reference",
        "warnings",
        "policy_version",
        "origin",
        "created_by",
        "body_hash",
        "created_at",
        "updated_at",
        "due_at",
        "search_text",
    ]
    await connection.copy_records_to_table("exchange_requests", records=rows, columns=columns)
    rows = []
    for n in range(inbound):
        kind, subject = _subject(n)
        reference = f"DE-BKA-2026-{n}"
        at = start + timedelta(seconds=n * 300)
        rows.append(
            (
                uuid.uuid4(),
                "europol",
                reference,
                "channel",
                "DE",
                "BKA",
                at,
                at,
                "bench",
                kind,
                json.dumps(subject),
                "x" * 64,
                "standard",
                "direct",
                "registers",
                "de",
                "H0",
                "received",
                at,
                "bench",
                "[]",
                "bench",
                at,
                inbound_text(subject, reference),
            )
        )
    columns = [
        "id",
        "channel",
        "partner_reference",
        "source",
        "requesting_country",
        "requesting_authority",
        "received_at",
        "registered_at",
        "registered_by",
        "kind",
        "subject",
        "subject_fingerprint",
        "urgency",
        "access_type",
        "access_type_source",
        "language",
        "handling_code",
        "status",
        "due_at",
        "deadline_basis",
        "related",
        "correlation_id",
        "updated_at",
        "search_text",
    ]
    await connection.copy_records_to_table("inbound_requests", records=rows, columns=columns)
    await connection.execute("ANALYZE exchange_requests; ANALYZE inbound_requests")
    await connection.close()


async def measure(url: str, rounds: int) -> None:
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    officer = Principal(subject="bench", role=Role.OFFICER)
    for q in QUERIES:
        timings = []
        for _ in range(rounds):
            async with sessions() as session, session.begin():
                began = time.perf_counter()
                found = await service.search(
                    session, officer, q, types=[], limit=25, cursor=None, now=datetime.now(UTC)
                )
                timings.append((time.perf_counter() - began) * 1000)
        timings.sort()
        p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
        print(
            f"{q!r:24} {len(found.items):3} results  p50 {statistics.median(timings):6.1f} ms"
            f"  p95 {p95:6.1f} ms"
        )
    async with sessions() as session:
        size = await session.scalar(text("SELECT count(*) FROM exchange_requests"))
    print(f"{size} stored requests")
    await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True, help="an empty PostgreSQL database")
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--inbound", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    engine = create_engine(args.database)
    await upgrade(engine)
    await engine.dispose()
    await seed(args.database.replace("+asyncpg", ""), args.requests, args.inbound)
    await measure(args.database, args.rounds)


if __name__ == "__main__":
    asyncio.run(main())
