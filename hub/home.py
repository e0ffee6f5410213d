"""What other apps show on the home page. Apps register a provider in AppConfig.ready();
the hub calls each with the signed-in person and puts the result in the page's context."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_providers: dict[str, Callable[[Any], Any]] = {}


def register(name: str, provider: Callable[[Any], Any]) -> None:
    _providers[name] = provider


def context_for(user) -> dict[str, Any]:
    return {name: provider(user) for name, provider in _providers.items()}
