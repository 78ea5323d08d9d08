"""OAuth2 clients (RFC 6749 §4.4 client credentials): PCCC systems and their secrets.

Secrets are shown once, when created or rotated, and stored as argon2id hashes only. Rotation
and revocation bump the client's ``generation``; access tokens carry it, so the tokens issued
before either stop working at once, not when they expire. Never commits.
"""

import asyncio
import re
import secrets
from datetime import datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.auth.principal import Principal, Role
from oss_router.auth.repository import all_clients, get_client
from oss_router.errors import Conflict, NotFound
from oss_router.models import ApiClient

CLIENT_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{3,64}$")
_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    # Verified when the client id is unknown, so that a wrong id costs as long as a wrong secret.
    return _hasher.hash(secrets.token_urlsafe(16))


class InvalidClientError(Exception):
    """Unknown client, wrong secret, or revoked client (never said which)."""


def new_secret() -> str:
    return secrets.token_urlsafe(32)


async def create_client(
    session: AsyncSession, *, unit: str, name: str, client_id: str | None, now: datetime
) -> tuple[ApiClient, str]:
    client_id = client_id or f"pccc-{secrets.token_hex(4)}"
    if not CLIENT_ID_PATTERN.match(client_id):
        raise ValueError("a client id has 3-64 letters, digits, '.', '_' or '-'")
    if await get_client(session, client_id) is not None:
        raise Conflict(f"client {client_id} already exists")
    secret = new_secret()
    client = ApiClient(
        client_id=client_id,
        name=name,
        role=Role.PCCC.value,
        unit=unit,
        secret_hash=await _hash(secret),
        generation=1,
        created_at=now,
    )
    session.add(client)
    await session.flush()
    return client, secret


async def rotate_secret(session: AsyncSession, client_id: str, now: datetime) -> str:
    client = await _active(session, client_id)
    secret = new_secret()
    client.secret_hash = await _hash(secret)
    client.generation += 1
    client.rotated_at = now
    return secret


async def revoke(session: AsyncSession, client_id: str, now: datetime) -> ApiClient:
    client = await _active(session, client_id)
    client.generation += 1
    client.revoked_at = now
    return client


async def list_clients(session: AsyncSession) -> list[ApiClient]:
    return await all_clients(session)


async def authenticate(session: AsyncSession, client_id: str, secret: str) -> ApiClient:
    """The active client whose secret this is; ``InvalidClientError`` otherwise."""
    known = CLIENT_ID_PATTERN.match(client_id) is not None
    client = await get_client(session, client_id) if known else None
    genuine = await _verify(client.secret_hash if client else _dummy_hash(), secret)
    if client is None or not genuine or client.revoked_at is not None:
        raise InvalidClientError
    if _hasher.check_needs_rehash(client.secret_hash):
        client.secret_hash = await _hash(secret)
    return client


async def is_current(session: AsyncSession, client_id: str, generation: object) -> bool:
    """Whether a token of ``client_id`` at ``generation`` is still honoured."""
    client = await get_client(session, client_id)
    return client is not None and client.revoked_at is None and client.generation == generation


def principal_of(client: ApiClient) -> Principal:
    return Principal(subject=client.client_id, role=Role(client.role), unit=client.unit)


async def _active(session: AsyncSession, client_id: str) -> ApiClient:
    client = await get_client(session, client_id)
    if client is None or client.revoked_at is not None:
        raise NotFound(f"no active client {client_id}")
    return client


async def _hash(secret: str) -> str:
    # argon2 is deliberately slow and memory-hard: keep it off the event loop.
    return await asyncio.to_thread(_hasher.hash, secret)


async def _verify(secret_hash: str, secret: str) -> bool:
    try:
        return await asyncio.to_thread(_hasher.verify, secret_hash, secret)
    except (VerificationError, InvalidHashError):
        return False
