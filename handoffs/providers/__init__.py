"""Inbound providers: each knows how its requests are signed, shaped and mapped to facts."""

from handoffs.providers.base import Incoming, Provider, Rejected
from handoffs.providers.generic import GenericProvider
from handoffs.providers.hubspot import HubSpotProvider
from handoffs.providers.onfleet import OnfleetProvider
from handoffs.providers.typeform import TypeformProvider

REGISTRY: dict[str, Provider] = {
    p.kind: p for p in (OnfleetProvider(), HubSpotProvider(), TypeformProvider(), GenericProvider())
}


def provider_for(kind: str) -> Provider:
    return REGISTRY[kind]


__all__ = ["REGISTRY", "Incoming", "Provider", "Rejected", "provider_for"]
