"""What ``make run`` shows: the URL and demo logins again once the worker is ready, and a
refused request as one log line instead of a traceback."""

import logging

import pytest

from tests import workers


def test_forbidden_page_is_logged_as_one_line_without_traceback(client_for, member, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client_for(member).get("/people/").status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert [r.getMessage() for r in records] == ["Forbidden (Permission denied): /people/"]
    assert records[0].exc_info is None
    assert "Traceback" not in caplog.text


@pytest.mark.worker
def test_worker_prints_the_url_and_demo_logins_once_ready(transactional_db, tmp_path):
    log = tmp_path / "worker.log"
    workers.purge_queue()
    proc = workers.start_worker(log, CROSSDOCK_RUN_BANNER="1", PORT="8123")
    try:
        workers.wait_for(lambda: "Crossdock is ready on" in log.read_text(), timeout=60)
    finally:
        workers.stop_worker(proc)
    text = log.read_text()
    banner = text[text.index("Crossdock is ready on") :]
    assert "http://127.0.0.1:8123/" in banner
    assert "maya@swiftdrop.example" in banner
    assert "crossdock-demo" in banner
    assert text.index("ready.") < text.index("Crossdock is ready on")
