"""Status notices the gateway itself causes (intake, cancellation), published after commit.

The tracker publishes the notices of channel results; the gateway publishes those of the
changes it makes, once its transaction has committed, so that no screen hears of a request
that was rolled back.
"""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.broker.contract import Broker
from oss_router.messages.codes import RequestStatus
from oss_router.messages.status import StatusNotice
from oss_router.models import ExchangeRequest
from oss_router.tracker.notices import publish_notices

STAGED_NOTICES = "oss_router.live_notices"


def stage_notice(session: AsyncSession, request: ExchangeRequest, now: datetime) -> None:
    notice = StatusNotice(
        request_id=request.id, request_status=RequestStatus(request.status), at=now
    )
    session.info.setdefault(STAGED_NOTICES, []).append(notice)


async def publish_staged(session: AsyncSession, broker: Broker) -> None:
    """Publish what the committed transaction staged; best effort, screens also poll."""
    notices: list[StatusNotice] = session.info.pop(STAGED_NOTICES, [])
    await publish_notices(broker, notices)
