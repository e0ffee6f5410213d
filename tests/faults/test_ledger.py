"""What the fault tests accept: every message once, and "outcome unknown" only where a killed
worker may have cut a Slack digest short."""

import pytest

from tests.faults.rig import DIGEST_AT_MOST, assert_nothing_lost_or_duplicated


def figures(**channels: dict) -> dict:
    every = {"delivered": 100, "duplicated": 0, "outcome unknown": 0, "lost": 0}
    return {
        "sent": 100,
        "accepted": 100,
        "stored": 100,
        "handoffs": 100,
        "channels": {
            name: {**every, **channels.get(name, {})} for name in ("slack", "webhook", "inbox")
        },
    }


def test_every_message_once_passes():
    assert_nothing_lost_or_duplicated(figures(), 100)


def test_a_slack_digest_cut_short_by_a_kill_is_accounted_for_not_lost():
    cut = {"delivered": 100 - DIGEST_AT_MOST, "outcome unknown": DIGEST_AT_MOST}
    assert_nothing_lost_or_duplicated(figures(slack=cut), 100, interrupted_sends=1)


@pytest.mark.parametrize(
    ("channels", "interrupted"),
    [
        ({"slack": {"delivered": 99, "lost": 1}}, 4),  # gone without a trace
        ({"slack": {"duplicated": 1}}, 4),
        ({"slack": {"delivered": 100 - 27, "outcome unknown": 27}}, 1),  # more than one digest
        ({"slack": {"delivered": 99, "outcome unknown": 1}}, 0),  # no kill to explain it
        ({"webhook": {"delivered": 99, "outcome unknown": 1}}, 4),  # webhooks are sent again
        ({"inbox": {"delivered": 99, "outcome unknown": 1}}, 4),
    ],
)
def test_anything_else_fails(channels, interrupted):
    with pytest.raises(AssertionError):
        assert_nothing_lost_or_duplicated(figures(**channels), 100, interrupted_sends=interrupted)
