"""Drivers are shared facts: learned from Onfleet's worker and task events (in any order, once),
or entered by operations by hand, by CSV or through the API."""

import json

import pytest

from handoffs.models import Integration
from hub import events, services
from hub.errors import DomainError
from hub.models import AuditLog, Driver, Event, Role, Zone
from tests.factories import MembershipFactory, UserFactory
from tests.handoffs import payloads

T = 1779730000000


def worker_event(
    trigger: str = "workerDuty",
    *,
    worker_id: str = "wkr_marco",
    name: str = "Marco Silva",
    phone: str = "+1 (415) 555-0101",
    email: str = "marco@drivers.example",
    zone: str = "downtown",
    time_ms: int = T,
) -> dict:
    """An Onfleet worker webhook, after Onfleet's workerDuty example (data.worker)."""
    return {
        "actionContext": {"type": "WORKER", "id": worker_id},
        "adminId": None,
        "workerId": worker_id,
        "status": 1,
        "data": {
            "worker": {
                "id": worker_id,
                "name": name,
                "phone": phone,
                "onDuty": True,
                "teams": [],
                "metadata": [
                    {"name": "email", "type": "string", "value": email},
                    {"name": "zone", "type": "string", "value": zone},
                ],
            }
        },
        "time": time_ms,
        "triggerId": {"workerDuty": 5, "workerCreated": 15, "workerDeleted": 16}[trigger],
        "triggerName": trigger,
    }


@pytest.fixture
def downtown(db):
    return Zone.objects.create(code="downtown", name="Downtown")


@pytest.fixture
def onfleet(db):
    return Integration.objects.create(
        name="Onfleet", kind="onfleet", secret=payloads.ONFLEET_SECRET
    )


def post(client, onfleet, payload: dict) -> Event:
    """Through the real webhook, then processed as the worker would."""
    body = json.dumps(payload).encode()
    answer = client.generic(
        "POST",
        f"/hooks/{onfleet.token}/",
        body,
        content_type="application/json",
        **payloads.onfleet_headers(body),
    )
    assert answer.status_code == 200, answer.content
    event = Event.objects.order_by("-id").first()
    events.process(event.pk)
    return Event.objects.get(pk=event.pk)


def test_worker_duty_event_makes_one_driver(client, onfleet, downtown):
    event = post(client, onfleet, worker_event())
    post(client, onfleet, worker_event())  # Onfleet's retry: stored once, one driver
    driver = Driver.objects.get()
    assert (driver.name, driver.phone, driver.email) == (
        "Marco Silva",
        "+14155550101",
        "marco@drivers.example",
    )
    assert driver.zone == downtown and driver.active and driver.dispatch_id == "wkr_marco"
    assert event.unmapped is False and event.status == "processed"


def test_an_older_event_never_overwrites_a_newer_one(client, onfleet, downtown):
    post(client, onfleet, worker_event(name="Marco S.", time_ms=T + 1000))
    post(client, onfleet, worker_event(name="M. Silva (old)", time_ms=T))
    assert Driver.objects.get().name == "Marco S."


def test_task_events_name_their_driver(client, onfleet, downtown):
    post(client, onfleet, payloads.onfleet_task_event())
    driver = Driver.objects.get()
    assert driver.dispatch_id == "1Ds6ulPYWxNPgaIaoLPqlIQE" and driver.name == "A Swartz"
    assert driver.email == "" and driver.active


def test_deleted_worker_is_inactive_and_recreated_one_active_again(client, onfleet, downtown):
    post(client, onfleet, worker_event())
    post(client, onfleet, worker_event("workerDeleted", time_ms=T + 1000))
    assert Driver.objects.get().active is False
    post(client, onfleet, worker_event("workerDuty", time_ms=T + 2000))
    assert Driver.objects.get().active is False  # on duty alone does not undo a deletion
    post(client, onfleet, worker_event("workerCreated", time_ms=T + 3000))
    assert Driver.objects.get().active is True


def test_a_driver_entered_by_hand_is_matched_by_email_and_keeps_it(
    client, onfleet, downtown, member
):
    entered = services.driver_save(
        actor=member, data={"name": "Marco", "email": "Marco@Drivers.example"}
    )
    post(client, onfleet, worker_event(email="marco@drivers.example"))
    driver = Driver.objects.get()
    assert driver.pk == entered.pk and driver.dispatch_id == "wkr_marco"
    post(client, onfleet, worker_event(email="other@drivers.example", time_ms=T + 1000))
    assert Driver.objects.get().email == "marco@drivers.example"


def test_operations_and_managers_keep_the_list_others_do_not(member, manager, marketing):
    seller = UserFactory(email="seller@crossdock.test")
    MembershipFactory(user=seller, team=marketing, role=Role.MEMBER)
    services.driver_save(actor=member, data={"name": "Ana", "email": "ana@d.example"})
    services.driver_save(actor=manager, data={"name": "Bo", "email": "bo@d.example"})
    with pytest.raises(DomainError):
        services.driver_save(actor=seller, data={"name": "Cy", "email": "cy@d.example"})
    assert sorted(Driver.objects.values_list("name", flat=True)) == ["Ana", "Bo"]
    assert AuditLog.objects.filter(action="driver.create").count() == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "email": ""}, "name"),
        ({"name": "X", "email": "not-an-address"}, "email"),
        ({"name": "X", "email": "ana@d.example"}, "email"),
        ({"name": "X", "phone": "12"}, "phone"),
        ({"name": "X", "dispatch_id": "wkr_1"}, "dispatch_id"),
    ],
)
def test_bad_driver_input_is_refused_with_its_field(member, data, field):
    services.driver_save(
        actor=member, data={"name": "Ana", "email": "ana@d.example", "dispatch_id": "wkr_1"}
    )
    with pytest.raises(DomainError) as caught:
        services.driver_save(actor=member, data=data)
    assert caught.value.field == field
    assert Driver.objects.count() == 1


def test_csv_import_adds_and_updates_all_rows_or_none(member, downtown):
    services.driver_save(actor=member, data={"name": "Ana", "email": "ana@d.example"})
    good = (
        "Name,Email,Phone,Worker ID,Zone\n"
        "Ana Lima,ana@d.example,,,Downtown\n"
        "Bo Chen,bo@d.example,+44 20 7946 0958,wkr_bo,downtown\n"
    )
    assert services.drivers_import_csv(actor=member, text=good) == {"created": 1, "updated": 1}
    ana = Driver.objects.get(email="ana@d.example")
    assert ana.name == "Ana Lima" and ana.zone == downtown
    assert Driver.objects.get(dispatch_id="wkr_bo").phone == "+442079460958"
    bad = "name,email\nCy,cy@d.example\nDee,not-an-address\n"
    with pytest.raises(DomainError, match="Row 3"):
        services.drivers_import_csv(actor=member, text=bad)
    assert not Driver.objects.filter(email="cy@d.example").exists()
    with pytest.raises(DomainError, match="first line"):
        services.drivers_import_csv(actor=member, text="foo,bar\n1,2\n")


def test_drivers_page_by_role(client_for, member, outsider, marketing, downtown):
    seller = UserFactory(email="seller@crossdock.test")
    MembershipFactory(user=seller, team=marketing, role=Role.MEMBER)
    assert client_for(outsider).get("/drivers/").status_code == 403
    added = client_for(member).post(
        "/drivers/", {"name": "Ana <b>Lima</b>", "email": "ana@d.example", "active": "on"}
    )
    assert added.status_code == 302
    driver = Driver.objects.get()
    page = client_for(seller).get("/drivers/").content.decode()
    assert "Ana &lt;b&gt;Lima&lt;/b&gt;" in page and "Add a driver" not in page
    assert client_for(seller).post("/drivers/", {"name": "X"}).status_code == 403
    assert client_for(seller).post(f"/drivers/{driver.pk}/", {"name": "X"}).status_code == 403
    bad = client_for(member).post(f"/drivers/{driver.pk}/", {"name": "Ana", "email": "nope"})
    assert bad.status_code == 400
    client_for(member).post(f"/drivers/{driver.pk}/", {"name": "Ana", "email": "ana@d.example"})
    driver.refresh_from_db()
    assert driver.active is False  # the box unticked
    assert "Ana" in client_for(member).get("/drivers/?show=inactive").content.decode()
    assert "Ana" not in client_for(member).get("/drivers/?q=zzz&show=all").content.decode()


def test_drivers_import_page(client_for, member):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("d.csv", b"name,email\nAna,ana@d.example\n", "text/csv")
    answer = client_for(member).post("/drivers/import/", {"file": upload}, follow=True)
    assert "1 drivers added" in answer.content.decode()
    assert Driver.objects.filter(email="ana@d.example").exists()


def test_drivers_api(api_for, member, marketing, downtown):
    seller = UserFactory(email="seller@crossdock.test")
    MembershipFactory(user=seller, team=marketing, role=Role.MEMBER)
    made = api_for(member).post(
        "/api/v1/drivers/",
        {"name": "Ana", "email": "ana@d.example", "zone": "downtown"},
        format="json",
    )
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    dup = api_for(member).post(
        "/api/v1/drivers/", {"name": "Ann", "email": "ANA@d.example"}, format="json"
    )
    assert dup.status_code == 400 and "ana@d.example" in dup.json()["detail"]
    assert api_for(seller).post("/api/v1/drivers/", {"name": "X"}, format="json").status_code == 403
    listed = api_for(seller).get("/api/v1/drivers/?active=true").json()
    assert listed["count"] == 1 and listed["results"][0]["zone"] == "downtown"
    off = api_for(member).patch(f"/api/v1/drivers/{pk}/", {"active": False}, format="json")
    assert off.status_code == 200 and off.json()["active"] is False
    assert api_for(seller).get("/api/v1/drivers/?active=true").json()["count"] == 0
    assert api_for(seller).get("/api/v1/drivers/?active=maybe").status_code == 400


def test_a_busy_driver_is_written_only_when_something_changed(downtown):
    from hub import facts

    def seen(minutes: int, name: str = "Marco") -> Driver:
        at = T + minutes * 60_000
        facts.driver_from_dispatch(facts.DriverFacts(dispatch_id="wkr_1", at_ms=at, name=name))
        return Driver.objects.get()

    first = seen(0)
    assert seen(1).updated_at == first.updated_at  # same facts, a minute later: no write
    assert seen(11).last_seen_at > first.last_seen_at  # "last seen" kept within minutes
    renamed = seen(12, name="Marco Silva")
    assert renamed.name == "Marco Silva" and renamed.sync_state["dispatch"] == T + 12 * 60_000
    assert seen(5, name="Old name").name == "Marco Silva"  # a late event changes nothing


def test_an_event_that_changes_nothing_of_a_known_driver_takes_no_lock(downtown):
    """Every task event names its driver: events of one busy driver must not queue on a lock
    when they have nothing to write."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from hub import facts

    def event(minutes: int, name: str = "Marco") -> list[str]:
        at = T + minutes * 60_000
        with CaptureQueriesContext(connection) as captured:
            facts.driver_from_dispatch(facts.DriverFacts(dispatch_id="wkr_1", at_ms=at, name=name))
        return [q["sql"] for q in captured.captured_queries]

    event(0)
    quiet = event(1)
    assert len(quiet) == 1 and "FOR UPDATE" not in quiet[0]
    assert not any("advisory" in sql for sql in quiet)
    renamed = event(2, name="Marco Silva")
    assert any("advisory" in sql for sql in renamed)
    assert any("FOR UPDATE" in sql for sql in renamed)
    assert Driver.objects.get().name == "Marco Silva"


@pytest.mark.parametrize("url", ["/drivers/", "/drivers/?show=all&q=a", "/api/v1/drivers/"])
def test_driver_lists_do_not_query_per_row(client_for, member, downtown, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def grow(start: int, n: int) -> None:
        for i in range(start, start + n):
            services.driver_save(
                actor=member,
                data={"name": f"Ana {i}", "email": f"a{i}@d.example", "zone": downtown},
            )

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    client = client_for(member)
    grow(0, 3)
    few = count()
    grow(3, 9)
    assert count() == few
