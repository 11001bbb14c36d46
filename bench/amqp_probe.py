"""How fast the AMQP transport moves persistent, confirmed messages (a probe, not a test).

    .venv/bin/python bench/amqp_probe.py [amqp-url] [--messages 20000] [--prefetch 100]

Prints msg/s for: publishing one batch of N ~100-byte messages; publishing them in batches of 500
(the outbox relay's batch); reserve + ack (batches of 100, one ack per message); and end to end with
a publisher process and a consumer process running at the same time (first publish to last ack).
Queues get unique names on the URL's vhost (default: CONVEYOR_AMQP_URL) and are deleted afterwards.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
import uuid
from collections.abc import Sequence

import pika

from conveyor.mq.envelope import Envelope
from conveyor.mq.topology import Binding, Exchange, Queue, Topology
from conveyor.mq.transports.amqp import AmqpTransport, dead_queue, retry_queue
from conveyor.settings import get_settings

BODY = b'{"sku":"SKU-000000","qty":1,"source":"default","note":"' + b"x" * 43 + b'"}'  # 100 bytes


def topology(name: str) -> Topology:
    return Topology(
        exchanges={("amqp", name): Exchange(name, "amqp", bindings=(Binding("b", "probe.#", name),))},
        queues={name: Queue(name, "amqp")},
    )


def envelopes(count: int) -> list[Envelope]:
    return [Envelope(topic="probe.item", body=BODY) for _ in range(count)]


def publish(url: str, name: str, count: int, batch: int) -> float:
    """Seconds to publish ``count`` messages in batches of ``batch``."""
    transport = AmqpTransport(url)
    transport.declare(topology(name))
    items = envelopes(count)
    started = time.perf_counter()
    for start in range(0, count, batch):
        transport.publish(name, items[start : start + batch])
    elapsed = time.perf_counter() - started
    transport.close()
    return elapsed


def consume(url: str, name: str, count: int, prefetch: int, timeout: float = 120.0) -> float:
    """Seconds to reserve and ack ``count`` messages, from the first reserve call."""
    transport = AmqpTransport(url, prefetch=prefetch)
    transport.declare(topology(name))
    done = 0
    started = time.perf_counter()
    while done < count and time.perf_counter() - started < timeout:
        for delivery in transport.reserve(name, 100, "probe", wait=0.5):
            transport.ack(delivery)
            done += 1
    elapsed = time.perf_counter() - started
    transport.close()
    if done < count:
        raise SystemExit(f"consumed only {done} of {count} in {timeout}s")
    return elapsed


def _consumer_process(url: str, name: str, count: int, prefetch: int, result: multiprocessing.Queue[float]) -> None:
    result.put(consume(url, name, count, prefetch))


def end_to_end(url: str, name: str, count: int, prefetch: int) -> float:
    """Seconds from the first publish to the last ack, publisher and consumer in parallel processes."""
    result: multiprocessing.Queue[float] = multiprocessing.Queue()
    AmqpTransport(url).declare(topology(name))
    consumer = multiprocessing.Process(target=_consumer_process, args=(url, name, count, prefetch, result))
    consumer.start()
    time.sleep(1.0)  # let it subscribe; its clock starts before the first message exists
    started = time.perf_counter()
    publish(url, name, count, 500)
    consumer.join()
    finished = time.perf_counter()
    result.get()
    return finished - started


def delete(url: str, names: Sequence[str]) -> None:
    with pika.BlockingConnection(pika.URLParameters(url)) as conn:
        for name in names:
            for queue in (name, retry_queue(name), dead_queue(name)):
                conn.channel().queue_delete(queue)
            conn.channel().exchange_delete(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url", nargs="?", default=get_settings().amqp_url)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--prefetch", type=int, default=get_settings().amqp_prefetch)
    args = parser.parse_args()
    n, url, run = args.messages, args.url, uuid.uuid4().hex[:8]
    names = [f"probe_{run}_{i}" for i in range(3)]
    try:
        rows = []
        seconds = publish(url, names[0], n, n)
        rows.append((f"publish, one batch of {n}", seconds))
        rows.append((f"reserve + ack (prefetch {args.prefetch})", consume(url, names[0], n, args.prefetch)))
        rows.append(("publish, batches of 500", publish(url, names[1], n, 500)))
        rows.append(
            (f"end to end, 2 processes (prefetch {args.prefetch})", end_to_end(url, names[2], n, args.prefetch))
        )
    finally:
        delete(url, names)
    print(f"{n} persistent messages of {len(BODY)} bytes, publisher confirms, one queue")
    for label, elapsed in rows:
        print(f"  {label:<44} {n / elapsed:>9,.0f} msg/s  ({elapsed:.2f} s)")


if __name__ == "__main__":
    main()
