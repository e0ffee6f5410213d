"""What campaign launches register with the hub and the KPI review. Each imports its module
when first called, not when the app is ready: a worker should not load the handoff and docs
service modules at start-up just to register these."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any


def readiness_for(campaigns: Sequence[Any]) -> dict:
    from workflows.launch import selectors

    return selectors.readiness_for(campaigns)


def readiness_panel(campaign: Any, request: Any) -> str:
    from workflows.launch import panels

    return panels.readiness_panel(campaign, request)


def numbers_panel(campaign: Any, request: Any) -> str:
    from workflows.launch import panels

    return panels.numbers_panel(campaign, request)


def findings_panel(campaign: Any, request: Any) -> str:
    from workflows.launch import panels

    return panels.findings_panel(campaign, request)


def on_campaign_scheduled(event: Any) -> None:
    from workflows.launch import services

    services.on_campaign_scheduled(event)


def on_promo_codes_created(event: Any) -> None:
    from workflows.launch import services

    services.on_promo_codes_created(event)


def on_promo_code_changed(event: Any) -> None:
    from workflows.launch import services

    services.on_promo_code_changed(event)


def review_overrides(month: date) -> list[dict[str, str]]:
    from workflows.launch import selectors

    return selectors.review_overrides(month)
