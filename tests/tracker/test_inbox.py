"""The tracker's inbox forgets applied result ids after the retention; the state machine
alone then keeps a late copy from changing anything."""

from datetime import timedelta

from sqlalchemy import func, select

from oss_router.clock import utcnow
from oss_router.db import transaction
from oss_router.models import ProcessedMessage
from oss_router.runtime import Runtime
from oss_router.tracker.inbox import InboxPruner
from tests.support.results import result_for
from tests.support.staging import stage_request
from tests.tracker.test_tracker import apply, dispatch_events


async def remembered(runtime: Runtime) -> int:
    async with transaction(runtime.sessions) as session:
        return int(await session.scalar(select(func.count()).select_from(ProcessedMessage)) or 0)


def pruner(runtime: Runtime, days_later: float, batch_size: int = 5000) -> InboxPruner:
    return InboxPruner(
        runtime.sessions,
        retention=timedelta(days=7),
        interval_seconds=3600,
        clock=lambda: utcnow() + timedelta(days=days_later),
        batch_size=batch_size,
    )


async def test_ids_are_kept_for_the_retention_then_forgotten_in_batches(
    runtime: Runtime,
) -> None:
    requests = [await stage_request(runtime) for _ in range(5)]
    assert await apply(runtime, [result_for(r, "answered") for r in requests]) == 5

    assert await pruner(runtime, days_later=6).prune_once() == 0  # within the retention
    assert await remembered(runtime) == 5
    assert await pruner(runtime, days_later=8, batch_size=2).prune_once() == 5  # 2 + 2 + 1
    assert await remembered(runtime) == 0


async def test_a_late_copy_after_pruning_changes_nothing(runtime: Runtime) -> None:
    request = await stage_request(runtime)
    delivered, answered = result_for(request, "delivered"), result_for(request, "answered")
    assert await apply(runtime, [delivered, answered]) == 2
    await pruner(runtime, days_later=8).prune_once()

    assert await apply(runtime, [delivered, answered]) == 0
    assert await dispatch_events(runtime, request.id) == [
        "queued>sent",
        "sent>delivered",
        "delivered>answered",
    ]
