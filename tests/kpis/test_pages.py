"""KPI pages, targets, manual values, threshold alerts, the review and the API feed."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from handoffs import services as handoff_services
from handoffs.models import Handoff
from hub import events
from hub.models import Event, Team
from kpis import services
from kpis.models import ManualValue, Review, Target

PAGES = ["/kpis/", "/kpis/f/operations/", "/kpis/m/on_time/", "/kpis/scorecard/", "/kpis/reviews/"]


@pytest.mark.parametrize("url", PAGES)
def test_members_read_every_kpi_page(client_for, member, url):
    assert client_for(member).get(url).status_code == 200


@pytest.mark.parametrize("url", PAGES)
def test_outsiders_read_none(client_for, outsider, url):
    assert client_for(outsider).get(url).status_code == 403


def test_only_managers_set_targets(client_for, member, manager):
    client_for(member).post("/kpis/m/on_time/target/", {"target-value": "95"})
    assert not Target.objects.exists()
    response = client_for(manager).post(
        "/kpis/m/on_time/target/", {"target-value": "95", "query": "period=last_month"}
    )
    assert response["Location"] == "/kpis/m/on_time/?period=last_month"
    assert Target.objects.get(metric="on_time").value == Decimal("95")


def test_manual_values_are_checked_and_kept(client_for, manager):
    client = client_for(manager)
    client.post("/kpis/m/csat/manual/", {"manual-month": "2026-11", "manual-value": "4.4"})
    client.post(
        "/kpis/m/csat/manual/", {"manual-month": "2026-11", "manual-value": "9"}
    )  # out of 1–5
    client.post(
        "/kpis/m/on_time/manual/", {"manual-month": "2026-11", "manual-value": "90"}
    )  # computed
    row = ManualValue.objects.get()
    assert (row.metric, row.value, row.entered_by) == ("csat", Decimal("4.4"), manager)


def test_bad_custom_period_is_explained(client_for, member):
    page = (
        client_for(member)
        .get("/kpis/?period=custom&start=2026-11-10&end=2026-11-01")
        .content.decode()
    )
    assert "ends before it starts" in page


def test_crossing_a_target_records_an_event_once_and_a_rule_tells_the_team(
    admin_user, manager, ops
):
    services.target_set(actor=manager, metric="complaints", value=Decimal("0"))
    from hub.models import Incident

    Incident.objects.create(kind="complaint", title="late")
    rule = handoff_services.rule_save(
        actor=admin_user,
        data=handoff_services.RuleInput(
            name="KPI off target",
            trigger="kpis.kpi.off_target",
            teams=[ops],
            owner_team=ops,
            title_template="{{ payload.label }} is off target: {{ payload.display }}",
        ),
    )
    handoff_services.rule_set_enabled(actor=admin_user, rule=rule, enabled=True)

    assert services.kpi_thresholds_check() == 1
    assert services.kpi_thresholds_check() == 0  # told once per crossing
    event = Event.objects.get(type="kpis.kpi.off_target")
    events.process(event.pk)
    assert Handoff.objects.get().title == "Complaints is off target: 1"


def test_home_lists_off_target_kpis(client_for, manager):
    services.target_set(actor=manager, metric="deliveries", value=Decimal("10"))  # no direction
    services.target_set(actor=manager, metric="complaints", value=Decimal("0"))
    from hub.models import Incident

    Incident.objects.create(kind="complaint", title="late")  # one complaint: off a target of 0
    page = client_for(manager).get("/").content.decode()
    assert 'data-testid="off-target"' in page
    assert "Complaints" in page


def test_monthly_review_from_open_to_frozen(client_for, manager, member, ops, marketing):
    Team.objects.get_or_create(name="Tech", defaults={"slug": "tech", "kind": "tech"})
    client = client_for(manager)
    client.post("/kpis/reviews/start/", {"month": "2026-10"})
    review = Review.objects.get()
    base = "/kpis/reviews/2026-10"
    client.post(
        f"{base}/notes/", {"notes": "Northgate late", "decisions": "Add two drivers in Northgate"}
    )
    client.post(
        f"{base}/item/", {"team": ops.pk, "title": "Hire two Northgate drivers", "due_days": "14"}
    )
    item_handoff = Handoff.objects.get(team=ops)
    assert item_handoff.title.startswith("From the October KPI review")

    client.post(f"{base}/close/")  # not confirmed: nothing happens
    review.refresh_from_db()
    assert review.status == "open"
    client.post(f"{base}/close/", {"confirm": "1"})
    review.refresh_from_db()
    assert review.status == "closed"
    frozen = review.snapshot
    assert {row["key"] for row in frozen["kpis"]} >= {"on_time", "cac", "csat"}
    shared = Handoff.objects.filter(title="KPI review of October 2026 is out")
    assert shared.count() == Team.objects.count()

    services.manual_value_set(
        actor=manager, metric="csat", month=date(2026, 10, 1), value=Decimal("1.0")
    )
    page = client_for(member).get(f"{base}/").content.decode()
    assert "Add two drivers in Northgate" in page
    review.refresh_from_db()
    assert review.snapshot == frozen  # later data does not rewrite it
    client.post(f"{base}/notes/", {"notes": "changed", "decisions": "changed"})
    review.refresh_from_db()
    assert review.notes == "Northgate late"
    assert "Printable" in page
    assert client.get(f"{base}/?print=1").status_code == 200


def test_members_cannot_run_the_review(client_for, member):
    assert client_for(member).post("/kpis/reviews/start/", {"month": "2026-10"}).status_code == 403
    assert not Review.objects.exists()


def test_scorecard_baselines(client_for, manager):
    client = client_for(manager)
    client.post("/kpis/scorecard/baseline/", {"metric": "missed_handoffs", "value": "14"})
    services.target_set(actor=manager, metric="missed_handoffs", value=Decimal("7"))
    page = client.get("/kpis/scorecard/").content.decode()
    assert "14" in page and "7" in page
    assert 'data-testid="scorecard"' in page


def test_kpi_feed_as_json_and_csv(api_for, member):
    api = api_for(member)
    body = api.get("/api/v1/kpis/?period=last_month").json()
    assert body["count"] == len(body["results"]) >= 18
    assert {"metric", "value", "target", "period_start"} <= set(body["results"][0])
    csv_response = api.get("/api/v1/kpis/?period=month&format=csv")
    assert csv_response["Content-Type"].startswith("text/csv")
    assert csv_response.content.decode().splitlines()[0].startswith("metric,label,function")
    assert api.get("/api/v1/kpis/?period=custom").status_code == 400


def test_chart_csv_export(client_for, member):
    response = client_for(member).get("/kpis/m/on_time/trend.csv?period=week")
    lines = response.content.decode().splitlines()
    assert lines[0] == "period_start,on_time"
    assert len(lines) == 8
    assert client_for(member).get("/kpis/m/on_time/zone.csv").status_code == 200


def test_dashboard_query_count_does_not_grow_with_deliveries(
    client_for, member, django_assert_max_num_queries
):
    with django_assert_max_num_queries(80):
        client_for(member).get("/kpis/")


def test_last_updated_is_shown(client_for, member):
    from kpis import rollups

    rollups.rebuild(timezone.localdate(), timezone.localdate())
    page = client_for(member).get("/kpis/").content.decode()
    assert "Data updated" in page and "ago" in page


def test_scorecard_shows_no_data_as_a_dash_not_a_zero(db):
    from handoffs.models import Handoff
    from hub.models import Team
    from kpis import dashboard

    team = Team.objects.create(name="Ops", slug="ops-x")
    Handoff.objects.create(team=team, title="first", created_at=timezone.now())
    card = dashboard.scorecard(months=3)
    missed = next(r for r in card["rows"] if r["metric"].key == "missed_handoffs")
    assert missed["values"][:2] == ["—", "—"]  # months before the first handoff
    assert missed["values"][-1] == "0"


@pytest.mark.parametrize(
    ("metric", "value"), [("csat", "-3"), ("on_time", "250"), ("complaints", "-1")]
)
def test_targets_outside_the_metrics_bounds_are_refused(client_for, manager, metric, value):
    client_for(manager).post(f"/kpis/m/{metric}/target/", {"target-value": value})
    assert not Target.objects.exists()


def test_a_baseline_outside_the_bounds_is_refused(manager):
    from hub.errors import DomainError

    with pytest.raises(DomainError):
        services.baseline_set(actor=manager, metric="missed_handoffs", value=Decimal("-99"))


def test_a_review_of_a_month_to_come_is_refused(client_for, manager):
    future = (timezone.localdate().replace(day=1) + timedelta(days=40)).strftime("%Y-%m")
    response = client_for(manager).post("/kpis/reviews/start/", {"month": future}, follow=True)
    assert not Review.objects.exists()
    assert "has not started yet" in response.content.decode()


def test_close_and_share_keeps_the_notes_typed_with_it(client_for, manager, ops):
    client = client_for(manager)
    client.post("/kpis/reviews/start/", {"month": "2026-10"})
    client.post(
        "/kpis/reviews/2026-10/close/",
        {"confirm": "1", "notes": "typed, not saved", "decisions": "Two more drivers"},
    )
    review = Review.objects.get()
    assert review.status == "closed"
    assert (review.notes, review.decisions) == ("typed, not saved", "Two more drivers")
    page = client.get("/kpis/reviews/2026-10/").content.decode()
    assert "Two more drivers" in page


def test_the_close_button_submits_the_notes_form(client_for, manager):
    client = client_for(manager)
    client.post("/kpis/reviews/start/", {"month": "2026-10"})
    page = client.get("/kpis/reviews/2026-10/").content.decode()
    assert 'form="review-notes" formaction="/kpis/reviews/2026-10/close/"' in page


def test_the_rows_behind_a_metric_open_inside_the_app(client_for, member):
    from hub.models import Delivery

    Delivery.objects.create(
        dispatch_id="row-1", status="succeeded", completed_at=timezone.now(), window_end=None
    )
    client = client_for(member)
    page = client.get("/kpis/m/on_time/").content.decode()
    assert 'href="/kpis/rows/deliveries/?' in page
    assert "/api/v1/" not in page.split("The rows it is computed from")[0][-300:]
    rows = client.get("/kpis/rows/deliveries/?period=month").content.decode()
    assert "row-1" in rows and "not counted (no window)" in rows
    assert client.get("/kpis/rows/customers/").status_code == 200


def test_charts_have_a_small_mode_bar_and_money_has_its_currency(client_for, member):
    import json

    from kpis import charts, registry

    figure = json.loads(charts.trend_figure(registry.metric("cac"), [], None, []))
    assert figure["config"]["displaylogo"] is False
    assert "sendDataToCloud" in figure["config"]["modeBarButtonsToRemove"]
    assert figure["layout"]["yaxis"]["tickprefix"] == "USD "
    assert registry.metric("cac") and "USD" in __import__("kpis.metrics").metrics.format_value(
        registry.metric("cac"), Decimal("58.61")
    )


def test_per_month_counts_are_drawn_per_month(db):
    from kpis import dashboard
    from kpis.registry import Filters, month_period

    series = dashboard.trend("missed_handoffs", month_period(timezone.localdate()), Filters())
    assert len(series) == 6
    assert all(d.day == 1 for d, _ in series)


def test_a_zone_is_not_judged_by_company_targets_and_unsplittable_kpis_are_greyed(
    client_for, manager
):
    from hub.models import Zone

    north = Zone.objects.create(code="north", name="North")
    services.target_set(actor=manager, metric="complaints", value=Decimal("0"))
    page = client_for(manager).get(f"/kpis/?zone={north.pk}").content.decode()
    assert "company target 0 (not judged for this filter)" in page
    assert 'data-testid="unavailable-missed_handoffs"' in page
    assert "not split by zone" in page


def test_a_zone_shows_its_own_manual_value_never_the_companys(manager):
    from hub.models import Zone
    from kpis import dashboard
    from kpis.registry import Filters, month_period

    north = Zone.objects.create(code="north", name="North")
    south = Zone.objects.create(code="south", name="South")
    month = timezone.localdate().replace(day=1)
    services.manual_value_set(actor=manager, metric="csat", month=month, value=Decimal("4.1"))
    services.manual_value_set(
        actor=manager, metric="csat", month=month, value=Decimal("3.2"), zone=north
    )

    def csat(filters):
        cards = dashboard.cards(month_period(month), filters, ["csat"])
        return cards[0]

    assert csat(Filters()).value == Decimal("4.10")
    assert csat(Filters(zone=north)).value == Decimal("3.20")
    assert csat(Filters(zone=south)).value is None
    assert "only for the whole company" in csat(Filters(zone=south)).unavailable


def test_a_baseline_out_of_bounds_from_the_page_is_explained(client_for, manager):
    response = client_for(manager).post(
        "/kpis/scorecard/baseline/", {"metric": "missed_handoffs", "value": "-99"}, follow=True
    )
    assert response.status_code == 200
    assert "is at least 0" in response.content.decode()


def test_narrow_trend_charts_keep_labels_legend_and_event_numbers_apart(db):
    """On the dashboard's four-across trends (found trying make run): the legend sat under the
    plot, over rotated date labels; events a day apart printed "45"; the month bars began with
    empty months from before the company's history, labelled "Jun 2026Jul"."""
    import json

    from kpis import charts, registry

    days = [date(2026, 11, 1) + timedelta(days=i) for i in range(30)]
    series = [(d, Decimal("90")) for d in days]
    events = [(date(2026, 11, 5), "a"), (date(2026, 11, 29), "b"), (date(2026, 11, 30), "c")]
    figure = json.loads(
        charts.trend_figure(registry.metric("on_time"), series, Decimal("95"), events)
    )
    layout = figure["layout"]
    assert layout["showlegend"] and layout["legend"]["y"] >= 1
    assert layout["legend"]["yanchor"] == "bottom"
    assert layout["xaxis"]["tickangle"] == 0
    [markers] = [trace for trace in figure["data"] if trace.get("name") == "Events"]
    assert markers["text"] == ["1", "2", "3"]
    assert markers["y"][1] != markers["y"][2]  # a day apart: one drops a step
    assert markers["y"][0] == markers["y"][1] == 1.0

    months = [
        (date(2026, 6, 1), None),
        (date(2026, 7, 1), None),
        (date(2026, 8, 1), Decimal("0")),
        (date(2026, 9, 1), Decimal("12")),
        (date(2027, 1, 1), Decimal("7")),
    ]
    bars = json.loads(charts.trend_figure(registry.metric("missed_handoffs"), months, None, []))
    assert bars["data"][0]["x"] == ["Aug<br>2026", "Sep", "Jan<br>2027"]
    assert bars["data"][0]["y"] == [0, 12, 7]
