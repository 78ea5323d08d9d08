"""Publishing status notices to the fan-out exchange that live screens listen to."""

import logging
import uuid

from oss_router.broker.contract import Broker, OutgoingMessage
from oss_router.broker.topology import STATUS_EXCHANGE
from oss_router.messages.status import StatusNotice, StatusNotices

log = logging.getLogger(__name__)

# Notices per message: a tracker batch, a sweep of the deadline watch or the gateway's backlog
# stays far below RabbitMQ's message size limit (a notice is about 250 bytes).
MAX_NOTICES_PER_MESSAGE = 500


def status_messages(notices: list[StatusNotice]) -> list[OutgoingMessage]:
    """The notices as few messages as possible, each a ``StatusNotices`` batch, in order."""
    return [
        OutgoingMessage(
            exchange=STATUS_EXCHANGE,
            routing_key="",
            body=StatusNotices(notices=chunk).model_dump_json().encode(),
            message_id=f"notices:{uuid.uuid4().hex}",
            mandatory=False,
        )
        for chunk in (
            notices[start : start + MAX_NOTICES_PER_MESSAGE]
            for start in range(0, len(notices), MAX_NOTICES_PER_MESSAGE)
        )
    ]


async def publish_notices(broker: Broker, notices: list[StatusNotice]) -> None:
    """Best effort: live screens also poll, so a lost notice is not a lost request."""
    if not notices:
        return
    try:
        await broker.publish(status_messages(notices))
    except Exception as error:
        log.warning("%d status notice(s) not published: %s", len(notices), error)
