"""What a transport that keeps reservations itself (the DB queue, the memory transport) does when a worker dies:
an attempt counts only for the message whose handler was running, and a dead worker's batch comes back at once
when the registry reclaims it. RabbitMQ does this itself (a dead connection's deliveries are requeued)."""

from __future__ import annotations

from conveyor.mq.queue import MessageQueue


class ReservationContract:
    """Subclassed by each such transport's test module with an ``mq`` fixture (the fan-out topology)."""

    def test_refresh_counts_an_attempt_only_for_the_started_message(self, mq: MessageQueue) -> None:
        mq.publish_batch("stock.changed", range(5))
        transport = mq.transport_for_queue("stock")
        assert len(transport.reserve("stock", 5, "dead")) == 5  # the worker died running the first
        result = transport.refresh(reserved_seconds=0, max_attempts=1)
        assert (result.requeued, result.dead_lettered) == (4, 1)
        (letter,) = transport.dead_letters("stock")
        assert letter.envelope.json() == 0 and "dead expired after 1 attempt(s)" in (letter.error or "")
        again = transport.reserve("stock", 10, "next")
        assert sorted((d.envelope.json(), d.attempts) for d in again) == [(n, 1) for n in range(1, 5)]

    def test_three_deaths_in_a_batch_dead_letter_only_the_message_that_was_running(self, mq: MessageQueue) -> None:
        """The issue's repro in miniature: each death used to cost every message of the batch an attempt."""
        mq.publish_batch("stock.changed", range(10))
        transport = mq.transport_for_queue("stock")
        for death in range(3):
            assert len(transport.reserve("stock", 100, f"worker-{death}")) == 10
            transport.refresh(reserved_seconds=0, max_attempts=3)
        assert [d.envelope.json() for d in transport.dead_letters("stock")] == [0]
        rest = transport.reserve("stock", 100, "survivor")
        assert sorted((d.envelope.json(), d.attempts) for d in rest) == [(n, 1) for n in range(1, 10)]

    def test_reclaim_returns_only_what_the_dead_workers_held(self, mq: MessageQueue) -> None:
        mq.publish_batch("stock.changed", range(4))
        transport = mq.transport_for_queue("stock")
        dead = transport.reserve("stock", 2, "dead")
        alive = transport.reserve("stock", 2, "alive")
        result = transport.reclaim(["dead"], max_attempts=3)
        assert (result.requeued, result.dead_lettered) == (2, 0)
        counts = transport.counts("stock")
        assert counts.in_progress == 2 and counts.waiting + counts.retrying == 2
        back = transport.reserve("stock", 10, "next")
        # the one that was running keeps its attempt; the other was never started
        assert sorted((d.envelope.json(), d.attempts) for d in back) == [
            (dead[0].envelope.json(), 2),
            (dead[1].envelope.json(), 1),
        ]
        for delivery in alive:
            transport.ack(delivery)
        assert transport.counts("stock").complete == 2
        assert transport.reclaim(["dead"], max_attempts=3).requeued == 0  # a second reaper finds nothing
