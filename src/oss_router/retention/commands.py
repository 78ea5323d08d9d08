"""``oss-router purge --older-than DAYS``: the retention purge, in batches."""

import argparse
import getpass
from datetime import timedelta

from oss_router.attachments.limits import AttachmentLimits
from oss_router.audit.service import Actor
from oss_router.auth.principal import operator_actor
from oss_router.clock import utcnow
from oss_router.command import run_with_sessions
from oss_router.config import get_settings
from oss_router.db import SessionMaker, transaction
from oss_router.progress import Progress
from oss_router.retention import repository
from oss_router.retention.attachments import purge_attachments_batch
from oss_router.retention.inbound import purge_inbound_batch
from oss_router.retention.service import purge_batch


def purge(args: argparse.Namespace) -> int:
    actor = Actor.operator(operator_actor(args.actor or _os_user()))
    older_than = timedelta(days=args.older_than)

    progress = Progress("purge")

    async def work(sessions: SessionMaker) -> int:
        async with sessions() as session:  # the total shown with the progress, on stderr
            progress.total = await repository.count_due(session, utcnow() - older_than)
        total = 0
        while True:  # one transaction per batch: locks stay short, progress is kept
            async with transaction(sessions) as session:
                purged = await purge_batch(
                    session,
                    older_than=older_than,
                    actor=actor,
                    now=utcnow(),
                    batch_size=args.batch_size,
                )
            total += len(purged)
            progress.advance(len(purged), note="requests purged")
            if len(purged) < args.batch_size:
                return total

    total = run_with_sessions(work)
    progress.finish()
    print(f"purged {total} requests terminal for more than {args.older_than} days")
    received = _purge_received(args, actor, older_than)
    print(f"purged {received} received requests closed for more than {args.older_than} days")
    attachments = _purge_attachments(args, actor)
    print(f"erased {attachments} attachments (of purged exchanges, or uploads never sent)")
    return 0


def _purge_received(args: argparse.Namespace, actor: Actor, older_than: timedelta) -> int:
    """Requests received from partners, answered or refused (retention/inbound.py)."""
    progress = Progress("purge-received")

    async def work(sessions: SessionMaker) -> int:
        async with sessions() as session:
            progress.total = await repository.count_inbound_due(session, utcnow() - older_than)
        total = 0
        while True:
            async with transaction(sessions) as session:
                purged = await purge_inbound_batch(
                    session,
                    older_than=older_than,
                    actor=actor,
                    now=utcnow(),
                    batch_size=args.batch_size,
                )
            total += len(purged)
            progress.advance(len(purged), note="received requests purged")
            if len(purged) < args.batch_size:
                return total

    total = run_with_sessions(work)
    progress.finish()
    return total


def _purge_attachments(args: argparse.Namespace, actor: Actor) -> int:
    """Attachments of what was purged (by this run or before), and uploads that no message
    claimed within ``OSS_ROUTER_ATTACHMENT_STAGED_HOURS`` (retention/attachments.py)."""
    staged_for = AttachmentLimits.from_settings(get_settings()).staged_for

    async def work(sessions: SessionMaker) -> int:
        total = 0
        while True:
            async with transaction(sessions) as session:
                erased = await purge_attachments_batch(
                    session,
                    staged_for=staged_for,
                    actor=actor,
                    now=utcnow(),
                    batch_size=args.batch_size,
                )
            total += len(erased)
            if len(erased) < args.batch_size:
                return total

    return run_with_sessions(work)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
