from django.db import migrations

from hub import configuration


class Migration(migrations.Migration):
    """Writes to the rules, their teams and channels, the channels and the teams' alert
    settings change the configuration's number (hub/configuration.py)."""

    dependencies = [
        ("handoffs", "0008_merge_0007_handoff_comment_0007_import_lease"),
        ("hub", "0009_config_generation"),
    ]

    operations = [
        configuration.watch(
            "handoffs_rule",
            "handoffs_rule_teams",
            "handoffs_rule_channels",
            "handoffs_channel",
            "handoffs_teamalertsettings",
            # next_send_at is the channel's pacing stamp, written on every paced send.
            columns={
                "handoffs_channel": [
                    "kind",
                    "name",
                    "target",
                    "signing_secret",
                    "enabled",
                    "fallback_id",
                    "team_id",
                ]
            },
        ),
    ]
