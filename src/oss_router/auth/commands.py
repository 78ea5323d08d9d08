"""``oss-router client ...``: OAuth2 clients (PCCC systems). Arguments: ``auth/arguments.py``."""

import argparse
import sys
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.auth import clients
from oss_router.auth.schemas import UnitName
from oss_router.auth.token_command import first_error
from oss_router.clock import utcnow
from oss_router.command import run_in_transaction
from oss_router.errors import ProblemError


def create(args: argparse.Namespace) -> int:
    try:
        unit: str = _unit(args.unit)
    except ValidationError as error:
        print(first_error(error), file=sys.stderr)
        return 2

    async def work(session: AsyncSession) -> tuple[str, str]:
        client, secret = await clients.create_client(
            session, unit=unit, name=args.name or unit, client_id=args.client_id, now=utcnow()
        )
        return client.client_id, secret

    return _report(lambda: run_in_transaction(work), "client_id={0}\nclient_secret={1}")


def rotate(args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> tuple[str, str]:
        return args.client_id, await clients.rotate_secret(session, args.client_id, utcnow())

    return _report(lambda: run_in_transaction(work), "client_id={0}\nclient_secret={1}")


def revoke(args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> tuple[str]:
        client = await clients.revoke(session, args.client_id, utcnow())
        return (client.client_id,)

    return _report(lambda: run_in_transaction(work), "revoked {0}")


def list_clients(_args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> list[str]:
        return [
            f"{c.client_id}\t{c.role}\t{c.unit}\t{'revoked' if c.revoked_at else 'active'}"
            f"\t{c.name}"
            for c in await clients.list_clients(session)
        ]

    for line in run_in_transaction(work):
        print(line)
    return 0


def _report(run: Any, template: str) -> int:
    try:
        values = run()
    except (ProblemError, ValueError) as error:
        print(error, file=sys.stderr)
        return 1
    print(template.format(*values))
    return 0


def _unit(value: str) -> str:
    from pydantic import TypeAdapter

    return TypeAdapter(UnitName).validate_python(value)
