"""Channel URLs reach public addresses only: refused at save and, after DNS, at send time."""

import pytest

from handoffs import services
from handoffs.channels import safety
from handoffs.models import Alert, AlertAttempt, Channel
from tests.receivers import HttpReceiver, Reply

INTERNAL_URLS = [
    "http://127.0.0.1:6379/",
    "http://localhost/hook",  # a name that resolves to loopback
    "http://10.1.2.3/hook",
    "http://172.16.0.9/hook",
    "http://192.168.1.1/hook",
    "http://100.64.0.1/hook",  # carrier-grade NAT
    "http://169.254.169.254/latest/meta-data/",  # the cloud metadata service
    "http://[::1]/hook",
    "http://[fd00:ec2::254]/hook",
    "http://[::ffff:127.0.0.1]/hook",  # IPv4 inside IPv6
    "http://2130706433/hook",  # 127.0.0.1 as one decimal number
    "http://0x7f000001/hook",  # …and in hex
    "http://0177.0.0.1/hook",  # …and in octal
    "http://0/hook",
    "http://0.0.0.0/hook",
]


@pytest.fixture
def nothing_allowed(settings):
    settings.CROSSDOCK_OUTBOUND_ALLOW_HOSTS = []


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_internal_addresses_are_refused(nothing_allowed, url):
    with pytest.raises(safety.UnsafeURL, match="internal address"):
        safety.check_url(url)


@pytest.mark.parametrize(
    "url", ["ftp://example.com/x", "javascript:alert(1)", "https://", "ops", "http://u:p@a.test/"]
)
def test_only_plain_http_urls_are_accepted(nothing_allowed, url):
    with pytest.raises(safety.UnsafeURL):
        safety.check_url(url)


def test_public_addresses_and_unresolved_names_pass_the_save_check(nothing_allowed):
    safety.check_url("https://93.184.216.34/services/T0/B0/x")
    # Not resolvable from here: accepted at save, checked again on every connection.
    safety.check_url("https://hooks.slack.invalid/services/T0/B0/x")


def test_a_named_internal_host_can_be_allowed(settings):
    settings.CROSSDOCK_OUTBOUND_ALLOW_HOSTS = ["localhost"]
    safety.check_url("http://localhost:9000/hook")
    with pytest.raises(safety.UnsafeURL):
        safety.check_url("http://127.0.0.1:9000/hook")


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/", "http://2130706433/"])
def test_the_channel_form_refuses_internal_urls(client_for, admin_user, ops, nothing_allowed, url):
    response = client_for(admin_user).post(
        "/handoffs/channels/", {"team": ops.pk, "kind": "webhook", "name": "x", "target": url}
    )
    assert "internal address" in response.content.decode()
    assert not Channel.objects.filter(name="x").exists()


@pytest.mark.parametrize("url", ["http://[::1]:8000/", "http://localhost/x", "http://10.0.0.1/"])
def test_the_channel_api_refuses_internal_urls(api_for, admin_user, nothing_allowed, url):
    response = api_for(admin_user).post(
        "/api/v1/channels/",
        {"team": "operations", "kind": "slack", "name": "x", "target": url},
        format="json",
    )
    assert response.status_code == 400
    assert "internal address" in response.json()["errors"]["target"][0]


def test_a_name_that_resolves_inside_is_refused_at_send_time(ops, admin_user, slack):
    # Saved while it pointed elsewhere (or written around the form): the connection checks
    # the address it is about to use. Only 127.0.0.1 is allowed, not names resolving to it.
    url = slack.url.replace("127.0.0.1", "localhost")
    channel = Channel.objects.create(team=ops, kind="slack", name="#x", target=url)
    alert = services.channel_test(actor=admin_user, channel=channel)
    assert services.alert_send(alert.pk) == "failed"
    assert slack.requests == []
    alert.refresh_from_db()
    assert "internal address" in alert.last_error


def test_redirects_are_not_followed(ops, admin_user):
    inside = HttpReceiver()
    outside = HttpReceiver(Reply(302, "", {"Location": inside.url}))
    try:
        channel = Channel.objects.create(team=ops, kind="webhook", name="w", target=outside.url)
        alert = services.channel_test(actor=admin_user, channel=channel)
        assert services.alert_send(alert.pk) == "failed"
        assert len(outside.requests) == 1
        assert inside.requests == []
        alert.refresh_from_db()
        assert "redirect" in alert.last_error
    finally:
        inside.stop()
        outside.stop()


@pytest.mark.parametrize("kind", ["slack", "teams", "webhook"])
def test_an_answer_body_is_never_shown(ops, admin_user, kind):
    secret = "root:x:0:0:root:/root:/bin/bash internal-config-value"
    receiver = HttpReceiver(Reply(400, secret))
    try:
        channel = Channel.objects.create(team=ops, kind=kind, name="c", target=receiver.url)
        alert = services.channel_test(actor=admin_user, channel=channel)
        services.alert_send(alert.pk)
        alert.refresh_from_db()
        attempt = AlertAttempt.objects.get(alert=alert)
        assert alert.status == Alert.Status.FAILED
        assert "internal-config-value" not in alert.last_error
        assert "internal-config-value" not in attempt.response + attempt.error
        assert "400" in alert.last_error
    finally:
        receiver.stop()


def test_slack_error_codes_are_kept(ops, admin_user):
    receiver = HttpReceiver(Reply(404, "no_service"))
    try:
        channel = Channel.objects.create(team=ops, kind="slack", name="c", target=receiver.url)
        alert = services.channel_test(actor=admin_user, channel=channel)
        services.alert_send(alert.pk)
        alert.refresh_from_db()
        assert "no_service" in alert.last_error
    finally:
        receiver.stop()


def test_a_name_that_does_not_resolve_is_retried_later(ops, admin_user, nothing_allowed):
    channel = Channel.objects.create(
        team=ops, kind="slack", name="#x", target="https://hooks.slack.invalid/services/T/B/x"
    )
    handoff = services.handoff_create(team=ops, title="Check capacity")
    alert = Alert.objects.get(handoff=handoff, channel=channel)
    assert services.alert_send(alert.pk) == "retry"
    alert.refresh_from_db()
    assert alert.status == Alert.Status.PENDING
    assert "cannot be resolved" in alert.last_error


def test_messages_to_one_receiver_reuse_one_connection():
    """A burst to Slack or Teams costs one connection (one TLS handshake), not one each."""
    receiver = HttpReceiver(Reply(200, "ok"), keep_alive=True)
    try:
        for _ in range(3):
            assert safety.post(receiver.url, timeout=5, data=b"{}").status_code == 200
        assert len({r.client_port for r in receiver.requests}) == 1
    finally:
        receiver.stop()


def test_a_kept_connection_the_receiver_closed_is_replaced():
    receiver = HttpReceiver(Reply(200, "ok"), keep_alive=True)
    try:
        assert safety.post(receiver.url, timeout=5, data=b"{}").status_code == 200
        receiver.then(Reply(200, "ok", headers={"Connection": "close"}))
        assert safety.post(receiver.url, timeout=5, data=b"{}").status_code == 200
        assert safety.post(receiver.url, timeout=5, data=b"{}").status_code == 200
        first, closing, after = (r.client_port for r in receiver.requests)
        assert first == closing != after
    finally:
        receiver.stop()
