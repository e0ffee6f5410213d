"""The whole pipeline in real processes, and a ledger of what reached each channel.

provider (this test) ──signed POST──▶ gunicorn ──▶ Postgres ──▶ private Redis ──▶ Celery workers
──▶ local Slack and webhook receivers, and the team's in-app inbox; beat sweeps what was left.

A fault test starts a Rig, injects its fault while events flow, waits until everything settled,
and prints and checks the ledger: for every event the provider sent, one handoff, and one
message on each channel — none lost, none twice (a Slack digest whose send a killed worker cut
short is closed as "outcome unknown", as the outbox promises, and counted as such).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from handoffs import services
from handoffs.inbound.providers.generic import sign
from handoffs.models import Alert, Channel, Handoff, Integration
from handoffs.services.outbox import UNKNOWN_OUTCOME
from hub.models import Event, Notification, Role
from tests import processes, receivers, workers
from tests.factories import MembershipFactory, TeamFactory, UserFactory

# The outbox's clocks, shortened so that what a fault leaves behind is swept within seconds.
FAST_SWEEPS = {
    # The sweepers cannot tell an alert waiting in a long queue from one whose task was lost, and
    # re-send each once per grace: the grace stays above the queue's wait on a busy machine.
    "CROSSDOCK_SWEEP_EVENTS_SECONDS": "5",
    "CROSSDOCK_SWEEP_ALERTS_SECONDS": "5",
    "CROSSDOCK_EVENT_STALE_SECONDS": "60",
    "CROSSDOCK_ALERT_STALE_SECONDS": "15",
    "CROSSDOCK_ALERT_SWEEP_GRACE_SECONDS": "120",
    "CROSSDOCK_CHANNEL_TIMEOUT": "2",
    "CROSSDOCK_ALERT_BACKOFF_SECONDS": "0.5",
    "CROSSDOCK_ALERT_MAX_ATTEMPTS": "10",
}


@dataclass
class Ingest:
    sent: int = 0
    accepted: int = 0
    refused_answers: Counter = field(default_factory=Counter)


class Rig:
    def __init__(
        self,
        tmp: Path,
        redis: processes.RedisServer,
        *,
        workers_count: int = 2,
        pool: str = "solo",
        concurrency: int = 1,
    ):
        self.tmp = tmp
        self.redis = redis
        self.env = {"CELERY_BROKER_URL": redis.url, **FAST_SWEEPS}
        self.slack = receivers.HttpReceiver(receivers.SLACK_OK)
        self.hook = receivers.HttpReceiver(receivers.Reply(200, ""))
        self.workers: list[subprocess.Popen] = []
        self.worker_logs = 0
        self.web: subprocess.Popen | None = None
        self.beat: subprocess.Popen | None = None
        self.port = processes.free_port(processes.WEB_PORTS)
        self.pool = {"pool": pool, "concurrency": concurrency}
        self.ingest = Ingest()
        self._setup_company()
        try:
            self.start(workers_count)
        except BaseException:
            self.stop()
            raise

    # --- the company: one team, a Slack channel, a webhook, the inbox; one rule -------------
    def _setup_company(self) -> None:
        team = TeamFactory(name="Operations", slug="operations", kind="operations")
        admin = UserFactory(email="admin@faults.test")
        MembershipFactory(user=admin, team=team, role=Role.ADMIN)
        self.member = UserFactory(email="member@faults.test")
        MembershipFactory(user=self.member, team=team, role=Role.MEMBER)
        slack = Channel.objects.create(team=team, kind="slack", name="#ops", target=self.slack.url)
        hook = Channel.objects.create(
            team=team, kind="webhook", name="Ops hook", target=self.hook.url
        )
        rule = services.rule_save(
            actor=admin,
            data=services.RuleInput(
                name="Every fault event → Ops",
                trigger="generic.fault",
                teams=[team],
                owner_team=team,
                title_template="{{ payload.id }}",
                channels=[slack, hook],
                requires_ack=False,
            ),
        )
        services.rule_set_enabled(actor=admin, rule=rule, enabled=True)
        self.integration = Integration.objects.create(
            name="Provider", kind="generic", secret="fault-secret-" + "x" * 20
        )

    # --- processes ---------------------------------------------------------------------------
    def start(self, workers_count: int) -> None:
        self.web = processes.start_web(self.tmp / "web.log", self.port, **self.env)
        self.beat = processes.start_beat(self.tmp / "beat.log", **self.env)
        for _ in range(workers_count):
            self.workers.append(self.start_worker())

    def start_worker(self) -> subprocess.Popen:
        self.worker_logs += 1
        log = self.tmp / f"worker-{self.worker_logs}.log"
        return workers.start_worker(log, **self.pool, **self.env)

    def kill_worker(self, index: int) -> None:
        """SIGKILL one worker wherever it is, then start a new one in its place."""
        proc = self.workers[index]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        self.workers[index] = self.start_worker()

    def stop(self) -> None:
        for proc in self.workers:
            workers.stop_worker(proc)
        for proc in (self.beat, self.web):
            if proc is not None:
                processes.stop(proc)
        self.slack.stop()
        self.hook.stop()

    # --- the provider ------------------------------------------------------------------------
    def send(self, keys: list[str], *, batch: int = 10, pause: float = 0.0) -> None:
        """POST the events as a provider would: signed, in batches, and again until a 2xx."""
        url = f"http://127.0.0.1:{self.port}/hooks/{self.integration.token}/"
        for start in range(0, len(keys), batch):
            chunk = keys[start : start + batch]
            body = json.dumps([{"type": "fault", "id": key} for key in chunk]).encode()
            self.ingest.sent += len(chunk)
            for _ in range(200):
                status = self._post(url, body)
                if 200 <= status < 300:
                    self.ingest.accepted += len(chunk)
                    break
                self.ingest.refused_answers[status] += 1
                time.sleep(0.5)
            if pause:
                time.sleep(pause)

    def _post(self, url: str, body: bytes) -> int:
        request = urllib.request.Request(  # noqa: S310 - the local web
            url,
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Crossdock-Signature": sign(self.integration.secret, body, int(time.time())),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            return 0

    def send_in_background(self, keys: list[str], **kwargs) -> threading.Thread:
        thread = threading.Thread(target=self.send, args=(keys,), kwargs=kwargs, daemon=True)
        thread.start()
        return thread

    # --- settling and the ledger -------------------------------------------------------------
    def settled(self, keys: list[str]) -> bool:
        events = Event.objects.filter(external_id__in=keys)
        if events.exclude(status=Event.Status.PROCESSED).exists():
            return False
        if events.count() < len(keys):
            return False
        unfinished = Alert.objects.filter(handoff__event__external_id__in=keys).exclude(
            status__in=[Alert.Status.SENT, Alert.Status.FAILED]
        )
        return not unfinished.exists()

    def wait_settled(self, keys: list[str], timeout: float = 900) -> None:
        workers.wait_for(lambda: self.settled(keys), timeout=timeout, interval=1.0)

    def ledger(self, name: str, keys: list[str]) -> dict:
        wanted = set(keys)
        pattern = re.compile(re.escape(keys[0].rsplit("-", 1)[0]) + r"-\d+")
        slack: Counter = Counter()
        slack_unanswered = 0
        for request in self.slack.requests:
            if request.answered != 200:
                slack_unanswered += 1
                continue
            slack.update(set(pattern.findall(request.body.decode())) & wanted)
        hook_keys: dict[str, set[str]] = defaultdict(set)
        hook_resent = 0
        for request in self.hook.requests:
            if request.answered is None or not 200 <= request.answered < 300:
                continue
            idempotency_key = request.headers.get("Idempotency-Key", "")
            for key in set(pattern.findall(request.body.decode())) & wanted:
                if idempotency_key in hook_keys[key]:
                    hook_resent += 1  # the receiver deduplicates it by its Idempotency-Key
                hook_keys[key].add(idempotency_key)
        hook = Counter({key: len(ids) for key, ids in hook_keys.items()})
        inbox = Counter(
            Notification.objects.filter(recipient=self.member, title__in=keys).values_list(
                "title", flat=True
            )
        )
        stored = Event.objects.filter(external_id__in=keys).count()
        handoffs = Handoff.objects.filter(event__external_id__in=keys).count()
        channels = {}
        for channel, seen in (("slack", slack), ("webhook", hook), ("inbox", inbox)):
            # Closed by the sweeper, not repeated: its send began in a process that was killed
            # before the answer was recorded (the outbox's contract for channels that cannot
            # deduplicate). Counted apart, and only where the message never arrived.
            unknown = set(
                Alert.objects.filter(
                    handoff__event__external_id__in=keys,
                    channel__kind=channel,
                    last_error=UNKNOWN_OUTCOME,
                ).values_list("handoff__event__external_id", flat=True)
            ) - set(seen)
            channels[channel] = {
                "delivered": len(seen),
                "duplicated": sum(n - 1 for n in seen.values() if n > 1),
                "outcome unknown": len(unknown),
                "lost": len(wanted - set(seen) - unknown),
            }
        figures = {
            "fault": name,
            "sent": self.ingest.sent,
            "accepted": self.ingest.accepted,
            "stored": stored,
            "handoffs": handoffs,
            "channels": channels,
            "slack_requests": len(self.slack.requests),
            "slack_not_posted": slack_unanswered,
            "webhook_resent_same_key": hook_resent,
            "provider_retries": dict(self.ingest.refused_answers),
        }
        print(render(figures))
        return figures


def render(figures: dict) -> str:
    lines = [
        f"\n[{figures['fault']}] sent {figures['sent']} · accepted {figures['accepted']} · "
        f"stored {figures['stored']} · handoffs {figures['handoffs']}"
    ]
    for channel, counts in figures["channels"].items():
        lines.append(
            f"  {channel:8} delivered {counts['delivered']:5} · duplicated "
            f"{counts['duplicated']} · closed as outcome unknown {counts['outcome unknown']} · "
            f"lost {counts['lost']}"
        )
    lines.append(
        f"  slack requests {figures['slack_requests']} (not posted: "
        f"{figures['slack_not_posted']}) · webhooks resent with the same Idempotency-Key "
        f"{figures['webhook_resent_same_key']} · provider retries {figures['provider_retries']}"
    )
    return "\n".join(lines)


# A Slack digest carries the alert a worker claimed and up to 25 more of the same burst.
DIGEST_AT_MOST = 26


def assert_nothing_lost_or_duplicated(
    figures: dict, expected: int, *, interrupted_sends: int = 0
) -> None:
    """Every event stored once with one handoff; on every channel each message delivered once,
    none lost. ``interrupted_sends``: Slack sends a killed worker may have cut short; each may
    close one digest's alerts as "outcome unknown" (sent or not, never sent twice), and no
    more. A webhook is sent again instead (its receiver deduplicates), and the inbox commits
    with its handoff, so neither may have any."""
    assert figures["sent"] == expected
    assert figures["accepted"] == expected
    assert figures["stored"] == expected
    assert figures["handoffs"] == expected
    for channel, counts in figures["channels"].items():
        allowed = interrupted_sends * DIGEST_AT_MOST if channel == "slack" else 0
        assert counts["duplicated"] == 0, channel
        assert counts["lost"] == 0, channel
        assert counts["outcome unknown"] <= allowed, channel
        assert counts["delivered"] + counts["outcome unknown"] == expected, channel
