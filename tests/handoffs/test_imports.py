# ruff: noqa: E501 - CSV fixtures are kept as the files look
"""CSV imports of Onfleet task exports and HubSpot contact exports."""

import signal
import time
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from handoffs import tasks
from handoffs.inbound import imports
from handoffs.models import ImportJob
from hub.models import Customer, Delivery, Zone
from tests import workers

ONFLEET_CSV = """\ufeffTask ID,Short ID,Recipient Name,Recipient Phone,Team,Complete After,Complete Before,Completion Time,Success,Failure Reason
tsk_1,a1,Ana Torres,+1 415 555 0101,downtown,2026-11-02 10:00,2026-11-02 12:00,2026-11-02 11:05,true,
tsk_2,a2,Ben Li,+1 415 555 0102,downtown,2026-11-02 10:00,2026-11-02 12:00,2026-11-02 12:40,TRUE,
tsk_3,a3,Ana Torres,+1 415 555 0101,downtown,2026-11-05 14:00,2026-11-05 16:00,2026-11-05 15:10,false,NOT_AVAILABLE
,a4,No Id,+1 415 555 0104,downtown,2026-11-02 10:00,2026-11-02 12:00,,,
tsk_5,a5,Bad Date,+1 415 555 0105,downtown,yesterday-ish,2026-11-02 12:00,,,
tsk_6,a6,Backwards,+1 415 555 0106,downtown,2026-11-02 12:00,2026-11-02 10:00,,,
tsk_7,a7,Unknown,+1 415 555 0107,downtown,2026-11-02 10:00,2026-11-02 12:00,2026-11-02 11:00,maybe,
"""

HUBSPOT_CSV = """Record ID,First Name,Last Name,Email,Phone Number,Lifecycle Stage,Create Date,Original Source
901,Ana,Torres,ana@example.com,+1 415 555 0101,customer,2026-10-01 09:00,Paid Search
902,Cy,Ng,not-an-email,,lead,2026-10-02 09:00,Direct Traffic
,No,Id,x@example.com,,lead,2026-10-03 09:00,Direct Traffic
903,Di,Ro,di@example.com,,lead,10/03/2026 9:30 AM,Organic Search
"""


@pytest.fixture
def downtown(db):
    return Zone.objects.create(code="downtown", name="Downtown")


def test_onfleet_export_imports_valid_rows_and_explains_the_rest(downtown):
    summary = imports.run("onfleet_tasks", ONFLEET_CSV)

    assert summary.total == 7
    assert (summary.created, summary.updated) == (3, 0)
    reasons = {r["row"]: r["reason"] for r in summary.rejected}
    assert reasons[5] == "no task id"
    assert "not a date and time" in reasons[6]
    assert reasons[7] == "the window ends before it starts"
    assert "neither success nor failure" in reasons[8]

    on_time = dict(Delivery.objects.values_list("dispatch_id", "on_time"))
    assert on_time == {"tsk_1": True, "tsk_2": False, "tsk_3": False}
    assert Delivery.objects.get(dispatch_id="tsk_3").failure_reason == "NOT_AVAILABLE"
    assert Delivery.objects.filter(zone=downtown).count() == 3
    ana = Customer.objects.get(phone="+14155550101")
    firsts = dict(ana.deliveries.values_list("dispatch_id", "is_first_for_customer"))
    assert firsts == {"tsk_1": True, "tsk_3": False}


def test_importing_the_same_file_again_updates_and_duplicates_nothing(downtown):
    imports.run("onfleet_tasks", ONFLEET_CSV)
    again = imports.run("onfleet_tasks", ONFLEET_CSV)
    assert (again.created, again.updated) == (0, 3)
    assert Delivery.objects.count() == 3
    assert Customer.objects.count() == 2


def test_hubspot_export_imports_contacts_and_meets_dispatch_customers(downtown):
    imports.run("onfleet_tasks", ONFLEET_CSV)
    summary = imports.run("hubspot_contacts", HUBSPOT_CSV)

    assert (summary.created, summary.updated) == (2, 0)
    assert [r["row"] for r in summary.rejected] == [3, 4]
    ana = Customer.objects.get(crm_id="901")
    assert ana.phone == "+14155550101"
    assert ana.deliveries.count() == 2  # the dispatch customer became the CRM one
    assert ana.acquisition_source == "Paid Search"
    assert ana.first_seen_at.date().isoformat() == "2026-10-01"
    assert Customer.objects.get(crm_id="903").first_seen_at.date().isoformat() == "2026-10-03"


def test_a_file_without_the_id_column_is_refused_whole(db):
    with pytest.raises(imports.RowError, match="No record id column"):
        imports.run("hubspot_contacts", "Name,Email\nA,a@example.com\n")
    assert not Customer.objects.exists()


def test_a_header_the_csv_reader_cannot_read_fails_the_job_with_its_reason(db):
    text = "Record ID," + "x" * 200_000 + "\n901,a\n"
    job = ImportJob.objects.create(kind="hubspot_contacts", filename="c.csv", content=text)
    assert imports.import_run(job.pk) is True
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.error.startswith("Nothing was imported: The first line is not a row of column")


@pytest.mark.django_db(transaction=True)
def test_a_database_failure_stops_at_its_batch_and_says_where(downtown, settings):
    settings.CROSSDOCK_IMPORT_BATCH_ROWS = 2
    # A database failure on tsk_3 (row 4), in the second batch; the first is written.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE FUNCTION crossdock_test_boom() RETURNS trigger AS $$
            BEGIN
              IF NEW.dispatch_id = 'tsk_3' THEN RAISE EXCEPTION 'disk on fire'; END IF;
              RETURN NEW;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER crossdock_test_boom BEFORE INSERT ON hub_delivery
              FOR EACH ROW EXECUTE FUNCTION crossdock_test_boom();
            """
        )
    try:
        job = ImportJob.objects.create(kind="onfleet_tasks", filename="t.csv", content=ONFLEET_CSV)
        with pytest.raises(Exception, match="disk on fire"):
            imports.import_run(job.pk)
        job.refresh_from_db()
        assert job.status == ImportJob.Status.FAILED
        assert job.error.startswith("Stopped at row 4: disk on fire")
        assert "The 2 rows before it were imported" in job.error
        assert job.position == 2
        assert sorted(Delivery.objects.values_list("dispatch_id", flat=True)) == ["tsk_1", "tsk_2"]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER crossdock_test_boom ON hub_delivery")
            cursor.execute("DROP FUNCTION crossdock_test_boom()")
    again = imports.run("onfleet_tasks", ONFLEET_CSV)
    assert (again.created, again.updated) == (1, 2)


def test_job_runs_once_and_records_the_summary(downtown):
    job = ImportJob.objects.create(kind="onfleet_tasks", filename="t.csv", content=ONFLEET_CSV)
    assert imports.import_run(job.pk) is True
    assert imports.import_run(job.pk) is False  # already claimed and done
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert (job.created, job.updated, job.rejected) == (3, 0, 4)
    assert job.percent == 100


def test_upload_page_queues_the_import_and_shows_progress(
    client_for, admin_user, downtown, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(admin_user)
    upload = SimpleUploadedFile("tasks.csv", ONFLEET_CSV.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post("/handoffs/imports/", {"kind": "onfleet_tasks", "file": upload})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert len(callbacks) == 1
    assert "Waiting for a worker" in client.get(response["Location"]).content.decode()

    imports.import_run(job.pk)  # what the worker runs
    fragment = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "3 created" in fragment
    assert "the window ends before it starts" in fragment


def test_upload_rejects_a_file_that_is_not_text(client_for, admin_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("tasks.csv", b"\xff\xfe\x00garbage", content_type="text/csv")
    response = client_for(admin_user).post(
        "/handoffs/imports/", {"kind": "onfleet_tasks", "file": upload}
    )
    assert response.status_code == 200
    assert "not UTF-8" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_management_command_prints_a_summary(downtown, tmp_path, capsys):
    path = tmp_path / "tasks.csv"
    path.write_text(ONFLEET_CSV, encoding="utf-8")
    call_command("import_csv", "onfleet_tasks", str(path))
    out = capsys.readouterr()
    assert "7 rows: 3 created, 0 updated, 4 rejected." in out.out
    assert "row 5: no task id" in out.out
    assert "[" in out.err  # the progress bar


def test_management_command_missing_file_is_a_clear_error(db):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_csv", "onfleet_tasks", "/nonexistent.csv")


HEADER = "Task ID,Recipient Name,Recipient Phone,Team,Complete After,Complete Before,Completion Time,Success\n"


def onfleet_row(task_id, *, name="Ana", phone="+1 415 555 0101", after="2026-11-02 10:00"):
    return f"{task_id},{name},{phone},downtown,{after},2026-11-02 12:00,2026-11-02 11:05,true\n"


def test_one_bad_cell_rejects_its_row_and_the_rest_is_imported(downtown):
    text = (
        HEADER
        + onfleet_row("ok_1")
        + onfleet_row("epoch", after="99999999999999999999")  # row 3
        + onfleet_row("far_future", after="9999-12-31 10:00")  # row 4
        + onfleet_row("huge", name="x" * 200_000)  # row 5: over the CSV reader's own limit
        + onfleet_row("big", name="y" * 5_000)  # row 6
        + onfleet_row("t" * 300)  # row 7
        + onfleet_row("long_phone", phone="+1" + "5" * 60)  # row 8: the database refuses it
        + onfleet_row("ok_2", phone="+1 415 555 0102")
    )
    summary = imports.run("onfleet_tasks", text)

    assert summary.total == 8
    assert (summary.created, summary.updated) == (2, 0)
    assert sorted(Delivery.objects.values_list("dispatch_id", flat=True)) == ["ok_1", "ok_2"]
    reasons = {r["row"]: r["reason"] for r in summary.rejected}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8]
    assert "is not a date and time we can read" in reasons[3]
    assert "not a plausible date (year 9999)" in reasons[4]
    assert "field larger than field limit" in reasons[5]
    assert "“Recipient Name” cell is 5,000 characters long" in reasons[6]
    assert reasons[7] == "the task id is 300 characters long (at most 64)"
    assert reasons[8].startswith("not stored: value too long")
    assert all(len(r) < 400 for r in reasons.values())  # no cell is echoed whole


def test_an_import_runs_in_batches_recording_its_position(downtown, settings):
    settings.CROSSDOCK_IMPORT_BATCH_ROWS = 3
    job = ImportJob.objects.create(kind="onfleet_tasks", filename="t.csv", content=ONFLEET_CSV)
    assert imports.import_run(job.pk) is True
    job.refresh_from_db()
    assert (job.status, job.position, job.processed_rows, job.total_rows) == ("done", 7, 7, 7)
    assert (job.created, job.updated, job.rejected) == (3, 0, 4)
    assert [r["row"] for r in job.rejections] == [5, 6, 7, 8]
    assert job.lease_until is None


def test_a_slow_import_still_holding_its_lease_is_never_run_a_second_time(downtown):
    # Started two hours ago, still renewing its lease batch by batch.
    now = timezone.now()
    job = ImportJob.objects.create(
        kind="onfleet_tasks",
        filename="t.csv",
        content=ONFLEET_CSV,
        status="running",
        started_at=now - timedelta(hours=2),
        lease_token=uuid.uuid4(),
        lease_until=now + timedelta(minutes=4),
    )
    assert imports.unfinished_imports(now) == []
    assert imports.import_run(job.pk) is False
    assert not Delivery.objects.exists()


def test_an_import_whose_runner_is_gone_resumes_after_its_last_batch(downtown):
    now = timezone.now()
    # The runner wrote the first three data rows (tsk_1…tsk_3) and then died.
    imports.run("onfleet_tasks", "\n".join(ONFLEET_CSV.splitlines()[:4]) + "\n")
    job = ImportJob.objects.create(
        kind="onfleet_tasks",
        filename="t.csv",
        content=ONFLEET_CSV,
        status="running",
        started_at=now - timedelta(minutes=6),
        lease_token=uuid.uuid4(),
        lease_until=now - timedelta(seconds=1),
        position=3,
        created=3,
        total_rows=7,
    )
    assert imports.unfinished_imports(now) == [job.pk]
    assert imports.import_run(job.pk) is True
    job.refresh_from_db()
    assert job.status == "done"
    # Rows 1-3 were not imported again (they would count as updated).
    assert (job.created, job.updated, job.rejected, job.position) == (3, 0, 4, 7)


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(300)
def test_a_worker_killed_mid_import_is_resumed_by_another_with_every_row_once(
    downtown, admin_user, tmp_path
):
    rows = 1200
    text = HEADER + "".join(
        onfleet_row(f"tsk_{n}", phone=f"+1 415 555 {n:04d}") for n in range(rows)
    )
    env = {"CROSSDOCK_IMPORT_BATCH_ROWS": "25", "CROSSDOCK_IMPORT_LEASE_SECONDS": "3"}
    workers.purge_queue()
    first = workers.start_worker(tmp_path / "first.log", **env)
    try:
        job = imports.import_start(
            actor=admin_user, kind="onfleet_tasks", filename="big.csv", text=text
        )
        workers.wait_for(lambda: ImportJob.objects.get(pk=job.pk).position >= 100, timeout=120)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    killed_at = ImportJob.objects.get(pk=job.pk)
    assert killed_at.status == "running" and killed_at.position < rows

    # While its lease lasts, nobody takes the job over; then the sweeper hands it on.
    assert imports.unfinished_imports(timezone.now()) == []
    time.sleep(3.5)
    assert imports.unfinished_imports(timezone.now()) == [job.pk]
    second = workers.start_worker(tmp_path / "second.log", **env)
    try:
        tasks.sweep_imports_task()
        workers.wait_for(lambda: ImportJob.objects.get(pk=job.pk).status == "done", timeout=180)
    finally:
        workers.stop_worker(second)
    job.refresh_from_db()
    print(
        f"{rows} rows; worker killed at row {killed_at.position}; "
        f"resumed: {job.created} created, {job.updated} updated, {job.rejected} rejected"
    )
    assert (job.created, job.updated, job.rejected, job.position) == (rows, 0, 0, rows)
    assert Delivery.objects.count() == rows


def test_a_running_import_shows_rows_imported_so_far(client_for, admin_user):
    job = ImportJob.objects.create(
        kind="onfleet_tasks",
        filename="t.csv",
        content=ONFLEET_CSV,
        status="running",
        total_rows=7,
        processed_rows=3,
        position=3,
        created=2,
        rejected=1,
    )
    fragment = (
        client_for(admin_user)
        .get(f"/handoffs/imports/{job.pk}/", HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "Imported 3 of 7 rows: 2 created, 0 updated, 1 rejected so far." in fragment
    assert 'value="43"' in fragment  # percent
