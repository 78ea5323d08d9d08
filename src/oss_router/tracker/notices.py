"""Publishing status notices to the fan-out exchange that live screens listen to."""

import logging

from oss_router.broker.contract import Broker, OutgoingMessage
from oss_router.broker.topology import STATUS_EXCHANGE
from oss_router.messages.status import StatusNotice

log = logging.getLogger(__name__)


async def publish_notices(broker: Broker, notices: list[StatusNotice]) -> None:
    """Best effort: live screens also poll, so a lost notice is not a lost request."""
    if not notices:
        return
    messages = [
        OutgoingMessage(
            exchange=STATUS_EXCHANGE,
            routing_key="",
            body=notice.model_dump_json().encode(),
            message_id=f"{notice.request_id}:{notice.dispatch_id}:{notice.event}:"
            f"{notice.dispatch_status}",
            mandatory=False,
        )
        for notice in notices
    ]
    try:
        await broker.publish(messages)
    except Exception as error:
        log.warning("%d status notice(s) not published: %s", len(notices), error)
