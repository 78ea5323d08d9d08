"""``oss-router token issue`` (development issuer), ``oss-router client ...`` (OAuth2 clients)."""

import argparse
import sys
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.auth import clients
from oss_router.auth.principal import Principal, Role
from oss_router.auth.schemas import DevTokenRequest, UnitName
from oss_router.auth.setup import development_signer
from oss_router.clock import utcnow
from oss_router.command import run_in_transaction
from oss_router.config import get_settings
from oss_router.errors import ProblemError


def register(commands: Any) -> None:
    token = commands.add_parser("token", help="access tokens from the development issuer")
    token_actions = token.add_subparsers(required=True, metavar="action")
    issue = token_actions.add_parser("issue", help="print a development token")
    issue.add_argument("--role", required=True, choices=[role.value for role in Role])
    issue.add_argument("--subject", required=True, help="who the token is for")
    issue.add_argument("--unit", help="the unit (PCCC id for the pccc role)")
    issue.add_argument("--ttl", type=int, help="lifetime in seconds")
    issue.set_defaults(handler=_issue)

    client = commands.add_parser("client", help="OAuth2 clients (PCCC systems)")
    actions = client.add_subparsers(required=True, metavar="action")
    create = actions.add_parser("create", help="register a PCCC client; prints its secret once")
    create.add_argument("--unit", required=True, help="the PCCC id the client acts for")
    create.add_argument("--name", help="a readable name")
    create.add_argument("--client-id", help="defaults to pccc-<random>")
    create.set_defaults(handler=_create)
    for name, handler, text in [
        ("rotate", _rotate, "new secret; the old one and its tokens stop working"),
        ("revoke", _revoke, "the client and its tokens stop working"),
    ]:
        action = actions.add_parser(name, help=text)
        action.add_argument("client_id")
        action.set_defaults(handler=handler)
    actions.add_parser("list", help="list clients").set_defaults(handler=_list)


def _issue(args: argparse.Namespace) -> int:
    settings = get_settings()
    signer = development_signer(settings)
    if signer is None:
        print("the development issuer is not enabled", file=sys.stderr)
        return 2
    try:
        body = DevTokenRequest(role=args.role, subject=args.subject, unit=args.unit)
    except ValidationError as error:
        print(_first_error(error), file=sys.stderr)
        return 2
    principal = Principal(subject=body.subject, role=body.role, unit=body.unit)
    ttl = args.ttl or settings.dev_token_seconds
    print(signer.issue(principal, ttl_seconds=ttl, now=utcnow()))
    return 0


def _create(args: argparse.Namespace) -> int:
    try:
        unit: str = _unit(args.unit)
    except ValidationError as error:
        print(_first_error(error), file=sys.stderr)
        return 2

    async def work(session: AsyncSession) -> tuple[str, str]:
        client, secret = await clients.create_client(
            session, unit=unit, name=args.name or unit, client_id=args.client_id, now=utcnow()
        )
        return client.client_id, secret

    return _report(lambda: run_in_transaction(work), "client_id={0}\nclient_secret={1}")


def _rotate(args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> tuple[str, str]:
        return args.client_id, await clients.rotate_secret(session, args.client_id, utcnow())

    return _report(lambda: run_in_transaction(work), "client_id={0}\nclient_secret={1}")


def _revoke(args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> tuple[str]:
        client = await clients.revoke(session, args.client_id, utcnow())
        return (client.client_id,)

    return _report(lambda: run_in_transaction(work), "revoked {0}")


def _list(_args: argparse.Namespace) -> int:
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


def _first_error(error: ValidationError) -> str:
    first = error.errors(include_input=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "value"
    return f"{where}: {first['msg']}"
