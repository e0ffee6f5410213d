"""The public face of ``handoffs`` for writing: every page, API endpoint, task, command and other
app changes handoffs' data through the names below, and nothing else writes its models.

Where a new module plugs in (see also DESIGN.md, "Seams every module plugs into"):

- **Send a message** to a team, a person, an email address or a channel: ``notify(...)``. It
  goes through the one outbox (an ``Alert`` row before any request; pacing, retries with
  backoff, fallback channels, quiet hours and digests for team channels, one attempt row per
  try), with or without a handoff. Give it a ``dedupe_key`` to make a repeated call a no-op.
- **Hand work to a team** that someone must acknowledge: ``handoff_create(...)``.
- **Offer an action to handoff rules** (a rule's "then"): register an ``actions.Action`` from
  your ``AppConfig.ready()`` with ``handoffs.actions.register(...)``; it brings its own form
  fields, preview and dry-run text, and runs inside the rule's transaction.
- **Offer a ready-made rule** in the rules gallery (adopted switched off, then tuned like any
  other rule): ``rule_template_register(key, {...})`` from your ``AppConfig.ready()``.
- **React to events**: not here; ``hub.events.subscribe(handler, types=[...])``.

Modules: ``handoffs`` (lifecycle), ``acks`` (signed links), ``evaluation`` (rules on events),
``rulebook`` (writing rules, dry runs), ``outbox`` (alerts and notify), ``sla`` (missed and
escalated), ``channels`` (outbound channels); inbound integrations live in ``handoffs.inbound``.
"""

from handoffs.inbound.imports import import_run, import_start, unfinished_imports
from handoffs.inbound.integrations import (
    Received,
    event_apply_facts,
    event_replay,
    integration_create,
    integration_delete,
    integration_rename,
    integration_rotate_secret,
    integration_set_paused,
    rejections_purge,
    webhook_receive,
)
from handoffs.services.acks import AckLink, ack_link_read, ack_token, ack_url
from handoffs.services.channels import (
    channel_create,
    channel_delete,
    channel_update,
    team_alert_settings_set,
)
from handoffs.services.evaluation import event_evaluate_rules
from handoffs.services.handoffs import (
    handoff_acknowledge,
    handoff_comment_add,
    handoff_create,
    handoff_done,
    handoff_hand_over,
    handoff_reassign,
)
from handoffs.services.outbox import (
    MAX_ATTEMPTS,
    alert_send,
    alerts_unfinished,
    channel_test,
    held_alerts_release,
    notify,
)
from handoffs.services.rulebook import (
    TEMPLATES,
    DryRun,
    RuleInput,
    preview,
    rule_delete,
    rule_dry_run,
    rule_from_template,
    rule_problems,
    rule_save,
    rule_set_enabled,
    rule_template_register,
    rules_needing_owner,
    snapshot,
)
from handoffs.services.sla import handoffs_mark_missed

__all__ = [
    "MAX_ATTEMPTS",
    "TEMPLATES",
    "AckLink",
    "DryRun",
    "Received",
    "RuleInput",
    "ack_link_read",
    "ack_token",
    "ack_url",
    "alert_send",
    "alerts_unfinished",
    "channel_create",
    "channel_delete",
    "channel_test",
    "channel_update",
    "event_apply_facts",
    "event_evaluate_rules",
    "event_replay",
    "handoff_acknowledge",
    "handoff_comment_add",
    "handoff_create",
    "handoff_done",
    "handoff_hand_over",
    "handoff_reassign",
    "handoffs_mark_missed",
    "held_alerts_release",
    "import_run",
    "import_start",
    "integration_create",
    "integration_delete",
    "integration_rename",
    "integration_rotate_secret",
    "integration_set_paused",
    "notify",
    "preview",
    "rejections_purge",
    "rule_delete",
    "rule_dry_run",
    "rule_from_template",
    "rule_problems",
    "rule_save",
    "rule_set_enabled",
    "rule_template_register",
    "rules_needing_owner",
    "snapshot",
    "team_alert_settings_set",
    "unfinished_imports",
    "webhook_receive",
]
