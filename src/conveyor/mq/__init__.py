"""The message queue framework: topology, publishing, transports (DB queue and AMQP) and consumers.

Other packages use this surface only::

    from conveyor.mq import MessageQueue, Envelope, load_topology
"""

from conveyor.mq import stats
from conveyor.mq.config import load_topology
from conveyor.mq.consumer import ConsumerOptions, Handler, PermanentError, Worker
from conveyor.mq.envelope import Delivery, Envelope
from conveyor.mq.handlers import Assignment, assign
from conveyor.mq.queue import MessageQueue, Transaction
from conveyor.mq.stats import COUNT_CAP, count_messages
from conveyor.mq.topology import Topology, TopologyError
from conveyor.mq.transports.base import Transport, UnroutableError
from conveyor.mq.workers import Limits, build_worker

__all__ = [
    "COUNT_CAP",
    "Assignment",
    "ConsumerOptions",
    "Delivery",
    "Envelope",
    "Handler",
    "Limits",
    "MessageQueue",
    "PermanentError",
    "Topology",
    "TopologyError",
    "Transaction",
    "Transport",
    "UnroutableError",
    "Worker",
    "assign",
    "build_worker",
    "count_messages",
    "load_topology",
    "stats",
]
