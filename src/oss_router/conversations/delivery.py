"""The delivery of our messages, as their channels' workers report it (``MessageResult``,
applied by the tracker): queued → sent → delivered | failed. Never commits.

Each result is applied at most once: its message id goes to the inbox of processed messages
(``oss_router/inbox.py``) in the same transaction, so a redelivered result changes nothing,
even one another tracker is applying at this very moment.
"""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from oss_router import inbox
from oss_router.auth.principal import system_actor
from oss_router.conversations import repository
from oss_router.conversations.staging import record_message_event
from oss_router.messages.codes import (
    InboundStatus,
    MessageDirection,
    MessageStatus,
    RequestStatus,
)
from oss_router.messages.conversation import MessageResult
from oss_router.messages.status import InboundNotice, StatusNotice
from oss_router.models import ExchangeMessage
from oss_router.telemetry import metrics
from oss_router.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

RELAY = system_actor("relay")  # a "sent" the tracker records is the relay's step

# What each status may move to: a failed message an operator replayed may still arrive.
_NEXT: dict[str, frozenset[str]] = {
    MessageStatus.QUEUED.value: frozenset({"sent", "delivered", "failed"}),
    MessageStatus.SENT.value: frozenset({"delivered", "failed"}),
    MessageStatus.FAILED.value: frozenset({"delivered"}),
}


def advances(current: str, target: MessageStatus) -> bool:
    return target.value in _NEXT.get(current, frozenset())


@dataclass(frozen=True)
class MessageApplied:
    message: ExchangeMessage
    result: MessageResult


async def apply_message_results(
    work: UnitOfWork, results: Sequence[MessageResult], now: datetime
) -> list[MessageApplied]:
    """Apply each result at most once, in the given order; returns those that changed
    something. The messages are locked in id order."""
    fresh = await inbox.claim(work.session, [result.message_id for result in results], now)
    todo, seen = [], set()
    for result in results:
        if result.message_id in fresh and result.message_id not in seen:
            seen.add(result.message_id)
            todo.append(result)
    messages = await repository.locked_by_ids(
        work.session, [result.exchange_message_id for result in todo]
    )
    applied: list[MessageApplied] = []
    for result in todo:
        message = messages.get(result.exchange_message_id)
        if message is None or message.direction != MessageDirection.OUTGOING.value:
            log.warning("message result %s names no message of ours; ignored", result.message_id)
            continue
        if _apply(work, message, result, now):
            applied.append(MessageApplied(message, result))
    await _stage_notices(work, [item.message for item in applied], now)
    return applied


def _apply(
    work: UnitOfWork, message: ExchangeMessage, result: MessageResult, now: datetime
) -> bool:
    target = MessageStatus(result.status)
    if not advances(message.status, target):
        return False
    if message.status == MessageStatus.QUEUED.value:
        # Published, and the relay records no step of messages: the result says it went.
        detail: dict[str, object] = {
            "recorded_on": f"{result.status} from channel:{result.channel}"
        }
        _move(work, message, MessageStatus.SENT, RELAY, now, detail)
        if target is MessageStatus.SENT:
            return True
    message.attempts = max(message.attempts, result.attempts)
    if target is MessageStatus.DELIVERED:
        message.delivered_at = min(max(result.occurred_at, message.created_at), now)
        message.partner_message_reference = result.partner_message_reference
        message.error = None
    elif target is MessageStatus.FAILED:
        message.error = result.error
    _move(work, message, target, f"channel:{result.channel}", now, _detail(result))
    return True


def _move(
    work: UnitOfWork,
    message: ExchangeMessage,
    target: MessageStatus,
    actor: str,
    now: datetime,
    detail: Mapping[str, object],
) -> None:
    previous = message.status
    message.status = target.value
    message.updated_at = now
    metrics.count_message(work, message.channel, message.type, message.direction, target.value)
    record_message_event(
        work, message, "message_status", actor, now, from_status=previous, detail=dict(detail)
    )


def _detail(result: MessageResult) -> dict[str, object]:
    detail: dict[str, object] = {"attempts": result.attempts}
    if result.partner_message_reference is not None:
        detail["partner_message_reference"] = result.partner_message_reference
    if result.error is not None:
        detail["error"] = result.error
    return detail


async def _stage_notices(work: UnitOfWork, messages: list[ExchangeMessage], now: datetime) -> None:
    """One live notice (event ``message``) per thread that moved: a request's, a received
    request's, or a case's own (spontaneous information)."""
    request_ids = {m.request_id for m in messages if m.request_id is not None}
    inbound_ids = {m.inbound_id for m in messages if m.inbound_id is not None}
    requests = await repository.request_statuses(work.session, list(request_ids))
    received = await repository.inbound_statuses(work.session, list(inbound_ids))
    for request_id, status in sorted(requests.items()):
        work.notices.append(
            StatusNotice(
                request_id=request_id,
                request_status=RequestStatus(status),
                at=now,
                event="message",
            )
        )
    for case_id in sorted(
        {m.case_id for m in messages if m.case_id and not m.request_id and not m.inbound_id}
    ):
        work.stage_case_notice(case_id, now)
    for inbound_id, status in sorted(received.items()):
        work.stage_inbound_notice(
            InboundNotice(
                inbound_id=inbound_id, status=InboundStatus(status), at=now, event="message"
            )
        )
