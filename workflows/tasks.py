"""Thin Celery tasks of the workflows module."""

from __future__ import annotations

from celery import shared_task

from workflows import services


@shared_task(name="workflows.schedule_pilot_reviews")
def schedule_pilot_reviews_task() -> int:
    """Schedule the review of every pilot whose two weeks are over. Idempotent (each pilot is
    claimed once; its notices carry dedupe keys)."""
    return services.pilots_schedule_reviews()


@shared_task(name="workflows.scan_campaigns")
def scan_campaigns_task() -> int:
    """Look for campaign errors (codes used outside zones or dates, codes ops never saw or the
    FAQ misses, orders above capacity). Idempotent: each finding is raised once."""
    from workflows.launch import services as launch_services

    return launch_services.detections_scan_all()
