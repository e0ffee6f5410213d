"""Campaign launches across teams: the readiness checklist (one handoff per owning team), the
launch gate the hub consults before a campaign goes live, the campaign's live numbers, the
detections that become campaign errors once a person confirms them, and the calendar of
campaigns with ops capacity per zone.

Plugs into the hub through ``hub.launch`` (checks and campaign-page panels) and
``hub.events`` (scheduling opens the checklist; new promo codes tell operations), into the
monthly review through ``kpis.registry.register_review_section``.
"""
