"""``oss-router simulate inbound``: against RabbitMQ, the order is published to the channel's
queue, whichever host runs its worker; with the in-process broker only the running service can
reach its queues, so the order goes to its ``POST /v1/simulate/inbound`` (authenticated: a
supervisor's token, from the development issuer unless ``--token`` is given)."""

import argparse
import asyncio
import sys

from oss_router.broker.contract import BrokerError
from oss_router.clock import utcnow
from oss_router.config import Settings, get_settings
from oss_router.messages.codes import Channel
from oss_router.simulation.orders import new_order, publish_order

CONNECT_SECONDS = 10.0


def inbound(args: argparse.Namespace) -> int:
    settings = get_settings()
    channel = Channel(args.partner_channel)
    if channel not in settings.channels:
        print(f"channel {channel} is not configured (OSS_ROUTER_CHANNELS)", file=sys.stderr)
        return 2
    if settings.uses_memory_broker:
        return _through_the_service(settings, channel, args)
    return asyncio.run(_through_the_broker(settings, channel, args.count, args.urgent))


async def _through_the_broker(
    settings: Settings, channel: Channel, count: int, urgent: bool
) -> int:
    from oss_router.broker.rabbitmq import RabbitBroker  # only this branch needs aio-pika

    broker = RabbitBroker(settings.broker_url, connection_name="oss-router simulate")
    await broker.connect()
    try:
        if not await broker.wait_connected(CONNECT_SECONDS):
            print("RabbitMQ cannot be reached (OSS_ROUTER_BROKER_URL)", file=sys.stderr)
            return 1
        order = new_order(channel, count, urgent=urgent, now=utcnow())
        try:
            await publish_order(broker, order)
        except BrokerError as error:
            print(f"the order was not accepted by RabbitMQ: {error}", file=sys.stderr)
            return 1
    finally:
        await broker.close()
    print(f"order {order.message_id}: the {channel} partner sends {count} request(s)")
    return 0


def _through_the_service(settings: Settings, channel: Channel, args: argparse.Namespace) -> int:
    import httpx

    token = args.token or _development_token(settings)
    if token is None:
        print("give --token: the development issuer is not enabled", file=sys.stderr)
        return 2
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host  # noqa: S104
    url = f"http://{host}:{settings.port}/v1/simulate/inbound"
    body = {"channel": channel.value, "count": args.count, "urgent": args.urgent}
    try:
        response = httpx.post(
            url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
    except httpx.TransportError as error:
        print(f"the service is not running at {url}: {error}", file=sys.stderr)
        return 1
    if response.status_code != 202:
        detail = response.json().get("detail", response.text) if response.content else ""
        print(f"the service refused ({response.status_code}): {detail}", file=sys.stderr)
        return 1
    order = response.json()
    print(f"order {order['order_id']}: the {channel} partner sends {args.count} request(s)")
    return 0


def _development_token(settings: Settings) -> str | None:
    from oss_router.auth.principal import Principal, Role
    from oss_router.auth.setup import development_signer

    signer = development_signer(settings)
    if signer is None:
        return None
    principal = Principal(subject="simulate", role=Role.SUPERVISOR, unit=None)
    return signer.issue(principal, ttl_seconds=300, now=utcnow())
