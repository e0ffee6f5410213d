"""Crossdock's floor: the project (settings, urls, Celery) and the core every module shares.

How a module plugs in (feedback, standups, wiki, workflows — and the next one):

- **Models** live in the module's own app (``<app>/models.py``) and migrations; shared facts
  (teams, people, customers, deliveries, campaigns, promo codes, spend, incidents, events) are
  the hub's, read through ``hub.selectors`` and changed through ``hub.services`` /
  ``hub.business``.
- **Writes** go through ``<app>/services.py`` (keyword-only ``<noun>_<verb>``, atomic, audited
  with ``hub.audit.record``); **reads** through ``<app>/selectors.py`` (permission-aware
  ``get_<x>_for_user``). Pages, the API, tasks and commands call nothing else; another app
  calls only those two (``make lint`` runs the import contracts in pyproject.toml, and
  tests/test_architecture.py fails on a view or API handler that writes a model itself).
- **Messages** (reminders, invitations, mentions, summaries): ``handoffs.services.notify`` —
  the one outbox. **Work another team must acknowledge**: ``handoffs.services.handoff_create``.
- **Actions for handoff rules** ("then: send a survey"): ``handoffs.actions.register`` in the
  app's ``AppConfig.ready()``.
- **Naming the module's pages a handoff links to** ("About" on a handoff):
  ``handoffs.subjects.register(url_name, describe)`` in ``ready()``.
- **Reacting to events**: ``hub.events.subscribe(handler, types=[...], name=...)`` in
  ``ready()``; **recording** what the module did: ``hub.events.record(...)``.
- **KPIs**: declare metrics and register the daily source that feeds them in the kpis metric
  registry, from ``ready()``.
- **Periodic work**: a thin task in ``<app>/tasks.py`` added to ``CELERY_BEAT_SCHEDULE`` in
  ``hub/settings.py`` (the whole schedule in one place); enqueue with
  ``hub.queue.enqueue_on_commit``.
- **Demo history**: ``hub.demo.extend(load, reset)``; **a block on the home page**:
  ``hub.home.register(name, provider)``.
- **Campaign launches**: ``hub.launch.register_check(name, provider)`` (readiness items a
  campaign must have done before it goes live), ``register_panel`` (a section of the campaign
  page) and ``register_link`` (a button on the campaigns page).
"""

from hub.celery import app as celery_app

__all__ = ["celery_app"]
