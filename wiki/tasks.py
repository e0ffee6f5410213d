"""Thin Celery tasks for shared docs; each is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from wiki import services


@shared_task(name="wiki.send_digests")
def send_digests_task() -> int:
    """One digest per watcher of what changed since their last one."""
    return services.watchers_notify()


@shared_task(name="wiki.mark_stale_pages")
def mark_stale_pages_task() -> int:
    """Record wiki.page.stale for pages past their review date (once per due date)."""
    return len(services.pages_mark_stale())
