"""The naive peer of the registrar: the receiving pipeline as the tutorials write it.

    OSS_ROUTER_DATABASE_URL=... OSS_ROUTER_BROKER_URL=... python -m bench.inbound_peer

What ``bench.inbound --sides peer`` runs in place of the registrar, to measure it against: an
aio-pika consumer of the ``oss_router.inbound`` queue (prefetch as the registrar's default),
and for each partner message, as the FastAPI / SQLAlchemy 2 asyncio / aio-pika tutorials show
it: validate the message with pydantic, ask the same stub national registers, compute the
same legal deadline, add one ORM row, commit, ack. One transaction per message.

It does less than the registrar, on purpose (the peer of the outgoing side does the same): no
audit entries (LED Art. 25 logs of the consultation and of the collection), no timeline event,
no inbox of processed message ids, no related-request lookup, no live notice, no batching, no
clarifications or conversation messages (a request only; anything else is acknowledged and
dropped). Its table (``peer_inbound_requests``) has the columns the benchmark reads, named as
in ``inbound_requests``. A benchmark tool, not part of the product.
"""

import asyncio
import os
import signal
import uuid
from datetime import UTC, datetime
from typing import Any

import aio_pika
import uvloop
from sqlalchemy import JSON, DateTime, String, UniqueConstraint
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from oss_router.broker.topology import INBOUND_QUEUE
from oss_router.config import get_settings
from oss_router.inbound.deadlines import InboundTargets, compute_due
from oss_router.messages.inbound import PartnerMessage
from oss_router.registers.service import open_registers

PREFETCH = 16  # the registrar's default (OSS_ROUTER_REGISTRAR_PREFETCH)
TABLE = "peer_inbound_requests"


class Base(DeclarativeBase):
    pass


class PeerInbound(Base):
    __tablename__ = TABLE
    __table_args__ = (UniqueConstraint("channel", "partner_reference"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    channel: Mapped[str] = mapped_column(String(16))
    partner_reference: Mapped[str] = mapped_column(String(200))
    requesting_country: Mapped[str] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[dict[str, Any]] = mapped_column(JSON)
    purpose: Mapped[str | None]
    urgency: Mapped[str] = mapped_column(String(16))
    national_check: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="registered")


async def main() -> None:
    settings = get_settings()
    engine = create_async_engine(settings.database_url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    registers = open_registers(os.environ)
    targets = InboundTargets.from_settings(settings)
    connection = await aio_pika.connect_robust(settings.broker_url)
    channel = await connection.channel()
    await channel.set_qos(prefetch_count=PREFETCH)
    queue = await channel.get_queue(INBOUND_QUEUE)

    async def on_message(delivery: aio_pika.abc.AbstractIncomingMessage) -> None:
        async with delivery.process(requeue=False):
            message = PartnerMessage.model_validate_json(delivery.body)
            if message.type != "request" or message.kind is None:
                return
            check = await registers.check(message.kind, message.subject or {})
            due = compute_due(
                channel=message.channel,
                requesting_country=message.requesting_country,
                urgency=message.urgency,
                access_type=check.access_type,
                received_at=message.received_at,
                targets=targets,
            )
            async with sessions() as session:
                session.add(
                    PeerInbound(
                        channel=message.channel.value,
                        partner_reference=message.partner_reference,
                        requesting_country=message.requesting_country,
                        kind=message.kind.value,
                        subject=message.subject or {},
                        purpose=message.purpose,
                        urgency=message.urgency.value,
                        national_check=check.model_dump(mode="json"),
                        received_at=message.received_at,
                        registered_at=datetime.now(UTC),
                        due_at=due.due_at,
                    )
                )
                try:
                    await session.commit()
                except IntegrityError:
                    await session.rollback()  # a redelivery: registered already

    await queue.consume(on_message)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    await stop.wait()
    await connection.close()
    await registers.aclose()
    await engine.dispose()


if __name__ == "__main__":
    uvloop.run(main())
