# ruff: noqa: E501 - CSV fixtures are kept as the files look
"""CSV imports of Onfleet task exports and HubSpot contact exports."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from handoffs.inbound import imports
from handoffs.models import ImportJob
from hub.models import Customer, Delivery, Zone

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


@pytest.mark.django_db(transaction=True)
def test_a_crash_while_writing_leaves_nothing_half_imported(downtown):
    # A database failure on the third row, after two rows were written.
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
        assert "Nothing was imported" in job.error
        assert Delivery.objects.count() == 0
        assert Customer.objects.count() == 0
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER crossdock_test_boom ON hub_delivery")
            cursor.execute("DROP FUNCTION crossdock_test_boom()")


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
