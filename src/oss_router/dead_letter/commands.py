"""``oss-router dead-letters list|replay|discard``: the operator's view of failed dispatches
(each channel's dead-letter queue) and of channel results the tracker could not apply
(``oss_router.dead.results``).

The commands work on the configured database and RabbitMQ (``OSS_ROUTER_DATABASE_URL``,
``OSS_ROUTER_BROKER_URL``). The embedded in-process broker keeps its dead-letter queues inside
the serving process, out of reach of another process: with ``memory://`` the commands refuse
to run (a failed dispatch of the embedded mode can still be re-routed by a supervisor).
"""

import argparse
import asyncio
import getpass
import json
import sys
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from oss_router.auth.principal import operator_actor
from oss_router.broker.contract import Broker, BrokerError
from oss_router.broker.topology import build_topology
from oss_router.config import Settings, get_settings
from oss_router.db import SessionMaker, create_engine, create_sessionmaker
from oss_router.dead_letter import operations
from oss_router.dead_letter.letters import RESULTS, DeadLetter
from oss_router.dead_letter.operations import Listed, Selection
from oss_router.dead_letter.service import Outcome
from oss_router.progress import Progress
from oss_router.runtime import create_broker

T = TypeVar("T")

EXIT_REFUSED = 1  # some selected letters were not replayed (each says why) or not found
EXIT_UNUSABLE = 2  # the command cannot run as asked


# -- list ----------------------------------------------------------------------------------


def list_letters(args: argparse.Namespace) -> int:
    channels = _chosen(args)

    async def work(sessions: SessionMaker, broker: Broker) -> list[Listed]:
        return await operations.list_letters(sessions, broker, channels, args.limit)

    listed = _run(work)
    if listed is None:
        return EXIT_UNUSABLE
    if args.format == "json":
        print(json.dumps([_row(item) for item in listed], indent=2))
    else:
        print(_table(listed))
    return 0


COLUMNS = [
    "queue",
    "dispatch",
    "request",
    "channel",
    "country",
    "attempts",
    "status",
    "result",
    "reason",
    "error",
]


def _row(item: Listed) -> dict[str, Any]:
    letter = item.letter
    return {
        "queue": letter.queue,
        "dispatch": _dispatch_cell(letter),
        "request": _request_cell(letter),
        "channel": letter.channel,
        "country": letter.country,
        "attempts": letter.attempts,
        "replays": letter.replays,
        "status": item.status,
        "result": letter.result,  # results letters: the status the channel reported
        "reason": letter.reason,
        "error": item.error,
        "message_id": letter.message_id,
    }


def _dispatch_cell(letter: DeadLetter) -> str | None:
    """A dispatch's id, or ``reply:<id>`` for a reply to a partner (inbound/)."""
    if letter.is_reply:
        return f"reply:{letter.reply_id}" if letter.reply_id else "reply:?"
    return str(letter.dispatch_id) if letter.dispatch_id else None


def _request_cell(letter: DeadLetter) -> str | None:
    if letter.is_reply:
        return f"inbound:{letter.inbound_id}" if letter.inbound_id else None
    return str(letter.request_id) if letter.request_id else None


def _table(listed: Sequence[Listed]) -> str:
    if not listed:
        return "no dead letters"
    rows = [[_cell(_row(item)[column]) for column in COLUMNS] for item in listed]
    widths = [max(len(column), *(len(row[i]) for row in rows)) for i, column in enumerate(COLUMNS)]
    widths[-1] = len(COLUMNS[-1])  # the error is last and not padded
    lines = [COLUMNS, *rows]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


def _cell(value: object) -> str:
    return "-" if value is None else str(value)


# -- replay and discard --------------------------------------------------------------------


def replay(args: argparse.Namespace) -> int:
    selection, actor = _selected(args), _actor(args)
    progress = Progress("replay", total=len(args.dispatch) if args.dispatch else None)

    async def work(sessions: SessionMaker, broker: Broker) -> list[Outcome]:
        if progress.total is None:
            progress.total = sum(
                (await operations.count_letters(broker, selection.queues)).values()
            )
        return await operations.replay(
            sessions, broker, selection, actor=actor, reason=args.reason, report=_advance(progress)
        )

    return _settled("replayed", _run(work), progress, args.dispatch)


def discard(args: argparse.Namespace) -> int:
    if not args.yes:
        print("discard removes dead letters for good: add --yes to confirm", file=sys.stderr)
        return EXIT_UNUSABLE
    selection, actor = _selected(args), _actor(args)
    progress = Progress("discard", total=len(args.dispatch) if args.dispatch else None)

    async def work(sessions: SessionMaker, broker: Broker) -> list[Outcome]:
        return await operations.discard(
            sessions, broker, selection, actor=actor, reason=args.reason, report=_advance(progress)
        )

    return _settled("discarded", _run(work), progress, args.dispatch)


def _advance(progress: Progress) -> Callable[[Outcome], None]:
    return lambda outcome: progress.advance(note=outcome.note)


def _settled(
    verb: str,
    outcomes: list[Outcome] | None,
    progress: Progress,
    wanted: Sequence[uuid.UUID] | None,
) -> int:
    if outcomes is None:
        return EXIT_UNUSABLE
    progress.finish()
    for outcome in outcomes:
        letter = outcome.letter
        queue = f" ({letter.queue})" if letter.is_result else ""
        print(f"{_dispatch_cell(letter) or letter.message_id}{queue}: {outcome.note}")
    done = sum(outcome.done for outcome in outcomes)
    missing = set(wanted or ()) - {outcome.letter.dispatch_id for outcome in outcomes}
    for dispatch_id in sorted(missing, key=str):
        print(f"{dispatch_id}: no dead letter of this dispatch in the chosen queues")
    print(f"{verb} {done} of {len(outcomes) + len(missing)}")
    return 0 if done == len(outcomes) and not missing else EXIT_REFUSED


def _selected(args: argparse.Namespace) -> Selection:
    return Selection(_chosen(args), frozenset(args.dispatch) if args.dispatch else None)


def _chosen(args: argparse.Namespace) -> list[str]:
    """The dead-letter queues asked for, the results' first: a channel letter's dispatch can
    only be replayed once the tracker has applied its failure, which may be a results letter."""
    asked = [*(args.channels or []), *(args.queues or [])]
    if not asked:
        asked = [RESULTS, *(channel.value for channel in get_settings().channels)]
    return sorted(dict.fromkeys(asked), key=lambda queue: queue != RESULTS)


def _actor(args: argparse.Namespace) -> str:
    name = args.actor
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = "unknown"
    return operator_actor(name)


# -- running against the deployment --------------------------------------------------------


def _run(work: Callable[[SessionMaker, Broker], Awaitable[T]]) -> T | None:
    """Run ``work`` with the configured database and RabbitMQ; None (said on stderr) when the
    broker is the embedded one or cannot be reached."""
    settings = get_settings()
    if settings.uses_memory_broker:
        print(
            "dead-letter commands need RabbitMQ (OSS_ROUTER_BROKER_URL=amqp://…): the embedded "
            "broker keeps its dead letters inside the serving process",
            file=sys.stderr,
        )
        return None
    try:
        return asyncio.run(_with_services(settings, work))
    except BrokerError as error:
        print(f"RabbitMQ: {error}", file=sys.stderr)
        return None


async def _with_services(
    settings: Settings, work: Callable[[SessionMaker, Broker], Awaitable[T]]
) -> T:
    engine = create_engine(settings.database_url)
    broker = create_broker(settings, "dead-letters")
    try:
        await broker.connect()
        if not broker.is_connected:
            raise BrokerError(f"not reachable at {settings.broker_url.split('@')[-1]}")
        await broker.declare(build_topology(settings.channels, settings.retry_delays_ms))
        return await work(create_sessionmaker(engine), broker)
    finally:
        await broker.close()
        await engine.dispose()
