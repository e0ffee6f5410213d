import redis
from django.conf import settings


def counter_key(event_uuid) -> str:
    return f"crossdock-test:event-seen:{event_uuid}"


def count_event(event) -> None:
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.incr(counter_key(event.uuid))
    client.expire(counter_key(event.uuid), 3600)


def seen(event_uuid) -> int:
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    return int(client.get(counter_key(event_uuid)) or 0)
