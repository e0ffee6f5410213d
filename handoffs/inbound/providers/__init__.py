"""Inbound providers: each knows how its requests are signed, shaped and mapped to facts."""

from handoffs.inbound.providers.base import Incoming, Provider, Rejected
from handoffs.inbound.providers.generic import GenericProvider
from handoffs.inbound.providers.hubspot import HubSpotProvider
from handoffs.inbound.providers.onfleet import OnfleetProvider
from handoffs.inbound.providers.typeform import TypeformProvider

REGISTRY: dict[str, Provider] = {
    p.kind: p for p in (OnfleetProvider(), HubSpotProvider(), TypeformProvider(), GenericProvider())
}


def provider_for(kind: str) -> Provider:
    return REGISTRY[kind]


__all__ = ["REGISTRY", "Incoming", "Provider", "Rejected", "provider_for"]
