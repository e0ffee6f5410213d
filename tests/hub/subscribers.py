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


def sleep_once(event) -> None:
    """Hold the worker the first time an event asks for it (to kill it mid-processing)."""
    import time

    seconds = (event.payload or {}).get("_test_sleep_once")
    if not seconds:
        return
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    if client.set(f"crossdock-test:slept:{event.uuid}", 1, nx=True, ex=3600):
        time.sleep(float(seconds))


def sleeping(event_uuid) -> bool:
    """Has sleep_once started holding the worker for this event?"""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    return bool(client.exists(f"crossdock-test:slept:{event_uuid}"))


def always_fails(event) -> None:
    raise RuntimeError("this subscriber always fails")
