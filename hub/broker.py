"""The Redis broker transport, without the crash that ended a worker when Redis went away.

With celery 5.7 and kombu 5.7 (as pinned), a worker whose broker connection drops while it
holds an unacknowledged message (an ``acks_late`` task running in one pool process while
another waits on BRPOP) closes the connection twice: ``collect()`` first releases the
transport (its ``client`` becomes None) and leaves the channel half closed, then ``close()``
closes the channel again, which restores the unacknowledged messages through a new connection
pool built from ``transport.client.hostname`` — ``AttributeError: 'NoneType' object has no
attribute 'hostname'``, which Celery treats as unrecoverable, and the worker exits (the same
close-after-release path as kombu#970). Redis is unreachable at that moment anyway, so the
restore could only fail: the messages stay in Redis's unacked set either way and come back
after the visibility timeout, and the sweepers re-send their rows sooner. Likewise a task that
finishes after the drop acks on the closed channel: that becomes the connection error it is
(Celery logs it and goes on) instead of the same AttributeError.

``CELERY_BROKER_TRANSPORT`` names this class for ``redis://`` brokers (hub/settings.py).
"""

from __future__ import annotations

import logging

from kombu.transport import redis
from redis.exceptions import ConnectionError as RedisConnectionError

logger = logging.getLogger(__name__)


class QoS(redis.QoS):
    def restore_unacked(self, client=None):
        transport = self.channel.connection
        if client is None and (transport is None or transport.client is None):
            logger.warning(
                "Broker connection already released; %d unacknowledged message(s) stay in "
                "Redis and come back after the visibility timeout",
                len(self._delivered),
            )
            self._delivered.clear()
            return None
        return super().restore_unacked(client)


class Channel(redis.Channel):
    QoS = QoS

    def _connparams(self, asynchronous=False):
        transport = self.connection
        if transport is None or transport.client is None:
            raise RedisConnectionError("The broker connection of this channel was closed.")
        return super()._connparams(asynchronous=asynchronous)


class Transport(redis.Transport):
    Channel = Channel
