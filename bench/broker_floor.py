"""What one durable message costs RabbitMQ itself, with no oss-router code in the way.

    .venv/bin/python -m bench.broker_floor [--messages 3000]

Publishes persistent messages to a quorum queue (publisher confirms, pipelined in windows of
``--window``, as the relay does) and consumes them with manual acks, on a fresh virtual host;
prints the RabbitMQ server's CPU per message (read from /proc) and the rate. Every dispatch
costs at least two such messages (the dispatch and its result), so this is a floor under the
broker's share of the end-to-end CPU per request that ``bench.e2e`` prints. It asserts nothing.
"""

import argparse
import asyncio
import time

import aio_pika
from tests.support.rabbitmq import fresh_vhost

from bench.e2e import cpu_seconds, pids_named

BODY = b"x" * 1500  # about the size of a dispatch envelope


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    return parser.parse_args()


def broker_cpu() -> float:
    return sum(cpu_seconds(pid) for pid in pids_named("beam.smp"))


async def measure(url: str, count: int, queue_type: str, window: int) -> float:
    """RabbitMQ's CPU milliseconds per message (printed with the rate, and returned)."""
    connection = await aio_pika.connect(url)
    try:
        publisher = await connection.channel(publisher_confirms=True)
        name = f"floor-{queue_type}-{window}"
        await publisher.declare_queue(name, durable=True, arguments={"x-queue-type": queue_type})
        consumer = await connection.channel()
        await consumer.set_qos(prefetch_count=200)
        received = 0
        all_received = asyncio.Event()

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            nonlocal received
            await message.ack()
            received += 1
            if received == count:
                all_received.set()

        await (await consumer.get_queue(name)).consume(on_message)
        cpu_before, started = broker_cpu(), time.perf_counter()
        for first in range(0, count, window):
            await asyncio.gather(
                *(
                    publisher.default_exchange.publish(
                        aio_pika.Message(BODY, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                        routing_key=name,
                    )
                    for _ in range(min(window, count - first))
                )
            )
        await all_received.wait()
        cpu_ms = (broker_cpu() - cpu_before) * 1000 / count
        rate = count / (time.perf_counter() - started)
        label = f"{queue_type} queue, confirm window {window}"
        print(f"  {label:32} {cpu_ms:6.3f} ms CPU/message  {rate:7.0f}/s")
        return cpu_ms
    finally:
        await connection.close()


async def main() -> None:
    options = arguments()
    print("RabbitMQ CPU per persistent message (publish, confirm, deliver, ack):")
    with fresh_vhost() as url:
        for queue_type, window in (("quorum", 1), ("quorum", 50), ("classic", 50)):
            await measure(url, options.messages, queue_type, window)


if __name__ == "__main__":
    asyncio.run(main())
