"""Services of shared docs: revisions, conflicts, mentions, comments, watchers, staleness."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from handoffs.models import Alert
from hub.errors import DomainError
from hub.models import AuditLog, Event
from wiki import selectors, services
from wiki.models import ConflictCopy, Mention, PageLink, Revision, Watch


def alerts_to_team(team):
    return Alert.objects.filter(channel__team=team)


def test_template_fills_context_and_keeps_placeholders(plan):
    assert plan.template == "campaign_plan"
    assert "North, Harbour" in plan.body
    assert "SPRING10" in plan.body
    assert "_(expected volume)_" in plan.body
    assert "## Operations capacity sign-off" in plan.body
    assert "## Customer support FAQ" in plan.body
    assert plan.review_every_days == 14
    assert list(plan.revisions.values_list("number", "kind")) == [(1, "create")]
    assert AuditLog.objects.filter(action="wiki.page.create", object_id=str(plan.pk)).exists()


def test_every_save_is_a_revision_with_author(plan, member):
    saved = services.page_save(
        actor=member,
        page=plan,
        title=plan.title,
        body=plan.body + "\nOps: 40 drivers",
        base_number=1,
    )
    assert not saved.refused
    assert saved.revision.number == 2
    assert saved.revision.author == member
    assert saved.page.revision_number == 2
    again = services.page_save(
        actor=member, page=plan, title=plan.title, body=saved.page.body, base_number=2
    )
    assert again.revision is None  # nothing changed: no empty revision


def test_stale_save_is_refused_and_both_versions_kept(plan, member, manager):
    ops_text = plan.body + "\nCapacity: 40 drivers"
    mkt_text = plan.body + "\nBudget: 5k"
    first = services.page_save(
        actor=member, page=plan, title=plan.title, body=ops_text, base_number=1
    )
    second = services.page_save(
        actor=manager, page=plan, title=plan.title, body=mkt_text, base_number=1
    )
    assert not first.refused
    assert second.refused
    plan.refresh_from_db()
    assert plan.body == ops_text
    assert plan.revision_number == 2
    copy = ConflictCopy.objects.get()
    assert copy.author == manager
    assert copy.body == mkt_text
    assert (copy.base_number, copy.current_number) == (1, 2)
    merged = services.conflict_merge(
        actor=manager,
        conflict=copy,
        title=plan.title,
        body=ops_text + "\nBudget: 5k",
        base_number=2,
    )
    assert merged.revision.kind == Revision.Kind.MERGE
    copy.refresh_from_db()
    assert copy.resolved_at is not None


def test_only_the_author_merges_a_conflict_copy(plan, member, manager):
    services.page_save(actor=member, page=plan, title="x", body="a", base_number=1)
    copy = services.page_save(actor=manager, page=plan, title="y", body="b", base_number=1).conflict
    with pytest.raises(DomainError):
        services.conflict_discard(actor=member, conflict=copy)


def test_restore_makes_a_new_revision(plan, member):
    original = plan.body
    services.page_save(actor=member, page=plan, title=plan.title, body="short", base_number=1)
    saved = services.page_restore(actor=member, page=plan, number=1)
    assert saved.page.body == original
    assert saved.revision.number == 3
    assert saved.revision.kind == "restore"


def test_team_mention_notifies_team_once(manager, marketing, ops, shared):
    page = services.page_create(
        actor=manager, space=shared, title="Launch", body="@Operations please check capacity"
    )
    assert Mention.objects.filter(page=page, team=ops).count() == 1
    assert alerts_to_team(ops).filter(subject__contains="mentioned @Operations").count() == 1
    # Editing elsewhere on the page does not notify again; a new mention does.
    services.page_save(
        actor=manager, page=page, title="Launch", body=page.body + "\nmore", base_number=1
    )
    assert alerts_to_team(ops).count() == 1
    services.page_save(
        actor=manager,
        page=page,
        title="Launch",
        body=page.body + "\nmore\n@marketing fyi",
        base_number=2,
    )
    assert alerts_to_team(marketing).count() == 1


def test_person_mention_reaches_inbox_and_email(manager, member, shared):
    services.page_create(actor=manager, space=shared, title="Q", body="cc @member and @nobody")
    alerts = Alert.objects.filter(recipient=member)
    assert set(alerts.values_list("kind", flat=True)) == {"inbox", "email"}


def test_comments_inline_replies_resolve(plan, cs_person, member, ops):
    comment = services.comment_add(
        actor=cs_person, page=plan, body="What do we tell late customers? @Operations",
        quote="Which zones can order?",
    )  # fmt: skip
    assert comment.quote == "Which zones can order?"
    reply = services.comment_add(actor=member, page=plan, body="Late credit", parent=comment)
    nested = services.comment_add(actor=cs_person, page=plan, body="Thanks", parent=reply)
    assert nested.parent == comment  # one level of replies
    assert alerts_to_team(ops).filter(subject__contains="mentioned").exists()
    services.comment_resolve(actor=member, comment=comment)
    threads = selectors.comment_threads(plan)
    assert threads[0].resolved_by == member
    assert [r.body for r in threads[0].thread_replies] == ["Late credit", "Thanks"]
    with pytest.raises(DomainError):
        services.comment_add(actor=cs_person, page=plan, body="x", quote="not on the page at all")


def test_watchers_get_one_digest_per_batch(plan, manager, member, settings):
    settings.WIKI_DIGEST_MINUTES = 15
    start = timezone.now()
    assert Watch.objects.filter(user=manager, page=plan).exists()  # the author watches
    for i in range(5):  # a burst of saves by someone else
        services.page_save(
            actor=member,
            page=plan,
            title=plan.title,
            body=plan.body + f"\nedit {i}",
            base_number=i + 1,
            now=start + timedelta(minutes=1),
        )
        plan.refresh_from_db()
    assert services.watchers_notify(now=start + timedelta(minutes=5)) == 0  # not yet due
    assert services.watchers_notify(now=start + timedelta(minutes=16)) == 1
    digest = Alert.objects.get(recipient=manager, kind="inbox")
    assert "5 change(s)" in digest.body
    # Run again: nothing new, nothing sent; the editor gets no digest of their own edits.
    assert services.watchers_notify(now=start + timedelta(minutes=40)) == 0
    assert not Alert.objects.filter(recipient=member, subject__startswith="Docs you watch").exists()


def test_overdue_page_records_stale_event_once(plan, marketing):
    now = timezone.now() + timedelta(days=15)
    with time_machine.travel(now, tick=False):
        first = services.pages_mark_stale(now=now)
        second = services.pages_mark_stale(now=now + timedelta(hours=1))
    assert [e.type for e in first] == ["wiki.page.stale"]
    assert second == []
    event = Event.objects.get(type="wiki.page.stale")
    assert event.payload["page_id"] == plan.pk
    assert event.payload["owner_team"] == "Marketing"
    # Once the page is reviewed and overdue again, the next stale period records a new one.
    later = now + timedelta(days=plan.review_every_days + 1)
    services.page_mark_reviewed(actor=plan.created_by, page=plan, now=now)
    with time_machine.travel(later, tick=False):
        assert [e.type for e in services.pages_mark_stale(now=later)] == ["wiki.page.stale"]


def test_reviewed_page_is_not_stale(plan, manager):
    now = timezone.now() + timedelta(days=15)
    services.page_mark_reviewed(actor=manager, page=plan, now=now - timedelta(days=1))
    assert services.pages_mark_stale(now=now) == []


def test_links_between_pages_are_tracked(manager, shared, plan):
    faq = services.page_create(
        actor=manager,
        space=shared,
        title="FAQ",
        body=f"See [[Spring promo plan]] and /wiki/p/{plan.pk}/",
    )
    assert list(PageLink.objects.filter(source=faq).values_list("target_id", flat=True)) == [
        plan.pk
    ]


def test_search_finds_a_word_in_the_body_with_highlight(plan, member, manager, shared):
    services.page_create(actor=manager, space=shared, title="Other", body="nothing relevant")
    hits = selectors.page_search(member, "Harbour")
    assert [h.page for h in hits] == [plan]
    assert "<mark>Harbour</mark>" in hits[0].snippet
    assert connection.vendor == "postgresql"


def test_search_snippet_escapes_page_html(member, manager, shared):
    services.page_create(
        actor=manager,
        space=shared,
        title="Bad",
        body="driver <img src=x onerror=alert(1)> handbook",
    )
    hits = selectors.page_search(member, "handbook")
    assert "<img" not in hits[0].snippet
    assert "&lt;img" in hits[0].snippet


def test_page_parent_must_not_loop(manager, shared, marketing):
    a = services.page_create(actor=manager, space=shared, title="A")
    b = services.page_create(actor=manager, space=shared, title="B", parent=a)
    with pytest.raises(DomainError):
        services.page_update_settings(
            actor=manager, page=a, owner_team=marketing, review_every_days=30, parent=b
        )


def test_silo_check_lists_one_function_pages_and_unread_linked_pages(
    manager, member, cs_person, marketing, ops, shared
):
    old = timezone.now() - timedelta(days=120)
    siloed = services.page_create(
        actor=manager, space=shared, title="Promo calendar", owner_team=marketing, now=old
    )
    services.page_save(
        actor=manager, page=siloed, title=siloed.title, body="v2", base_number=1,
        now=timezone.now() - timedelta(days=30),
    )  # fmt: skip
    shared_page = services.page_create(
        actor=manager, space=shared, title="Zones", owner_team=marketing, now=old
    )
    services.page_save(
        actor=member, page=shared_page, title="Zones", body="ops edit", base_number=1,
        now=timezone.now() - timedelta(days=10),
    )  # fmt: skip
    services.page_save(
        actor=manager, page=shared_page, title="Zones", body="marketing edit", base_number=2,
        now=timezone.now() - timedelta(days=5),
    )  # fmt: skip
    services.page_create(
        actor=member, space=shared, title="Ops runbook", body="[[Promo calendar]]", owner_team=ops
    )
    one_function, unread = selectors.silo_check(member, now=timezone.now())
    assert [s.page.title for s in one_function] == ["Promo calendar"]
    assert [s.page.title for s in unread] == ["Promo calendar"]
    services.page_view_record(user=cs_person, page=siloed)
    _, unread = selectors.silo_check(member, now=timezone.now())
    assert unread == []


def test_onboarding_checklist_and_manager_progress(manager, member, marketing, ops, shared):
    mkt = services.page_create_from_template(
        actor=manager, space=shared, template="onboarding", title="Marketing 101",
        owner_team=marketing,
    )  # fmt: skip
    opsm = services.page_create_from_template(
        actor=manager, space=shared, template="onboarding", title="Ops 101", owner_team=ops
    )
    items = selectors.onboarding_checklist(member)
    assert [(i.page, i.own_team) for i in items] == [(opsm, True), (mkt, False)]
    services.onboarding_step_set(user=member, page=opsm, done=True)
    with pytest.raises(Exception):  # noqa: B017 - members do not see others' progress
        selectors.onboarding_team_progress(member, now=timezone.now())


def test_recent_pages_query_count_is_flat(member, manager, shared):
    for i in range(3):
        services.page_create(actor=manager, space=shared, title=f"p{i}")
    selectors.recently_changed(member)  # the role lookup is cached on the person
    with CaptureQueriesContext(connection) as few:
        selectors.recently_changed(member)
    for i in range(3, 12):
        services.page_create(actor=manager, space=shared, title=f"p{i}")
    with CaptureQueriesContext(connection) as many:
        selectors.recently_changed(member)
    assert len(few) == len(many)


def test_search_falls_back_to_contains_off_postgres(plan, member, monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    hits = selectors.page_search(member, "harbour spring")
    assert [h.page for h in hits] == [plan]
    assert "<mark>Harbour</mark>" in hits[0].snippet


def test_space_watchers_get_changes_of_every_page_in_it(manager, member, shared, settings):
    settings.WIKI_DIGEST_MINUTES = 1
    start = timezone.now()
    services.watch_set(user=member, space=shared, on=True, now=start)
    services.page_create(
        actor=manager, space=shared, title="New FAQ", now=start + timedelta(seconds=5)
    )
    assert services.watchers_notify(now=start + timedelta(minutes=2)) == 1
    digest = Alert.objects.get(recipient=member, kind="inbox")
    assert "New FAQ" in digest.body


def test_chips_show_live_names_of_pages_campaigns_and_handoffs(member, manager, shared, ops):
    from handoffs import services as handoff_services
    from hub import business

    campaign = business.campaign_create(actor=manager, name="Harbour promo", channel="email")
    handoff = handoff_services.handoff_create(
        team=ops, title="Confirm capacity", created_by=manager
    )
    target = services.page_create(actor=manager, space=shared, title="Zones")
    html = selectors.render_for_user(
        member,
        f"[[Zones]] [/campaigns/{campaign.pk}/](/campaigns/{campaign.pk}/) "
        f"[/handoffs/h/{handoff.pk}/](/handoffs/h/{handoff.pk}/)",
    )
    assert f'href="/wiki/p/{target.pk}/"' in html
    assert "Campaign: Harbour promo" in html
    assert "Handoff: Confirm capacity" in html
    assert "chip-state" in html


def test_ready_made_stale_rule_reminds_the_owner_team_through_the_event_path(
    plan, admin_user, marketing
):
    from handoffs import services as handoff_services
    from handoffs.models import RuleEvaluation
    from hub import events

    rule = handoff_services.rule_from_template(actor=admin_user, key="doc_stale")
    assert rule.enabled is False
    assert (rule.trigger, rule.action) == ("wiki.page.stale", "wiki.remind_owners")
    assert rule.name == "Doc gone stale → remind its owners"
    assert list(rule.teams.all()) == []  # it reminds each page's own owners, not a team
    now = timezone.now() + timedelta(days=15)
    with time_machine.travel(now, tick=False):
        [event] = services.pages_mark_stale(now=now)
        events.process(event.pk)  # switched off: nobody is reminded
    assert not alerts_to_team(marketing).filter(subject__startswith="Review due").exists()

    handoff_services.rule_set_enabled(actor=admin_user, rule=rule, enabled=True)
    later = now + timedelta(days=plan.review_every_days + 1)
    services.page_mark_reviewed(actor=admin_user, page=plan, now=now)
    with time_machine.travel(later, tick=False):
        [event] = services.pages_mark_stale(now=later)
        events.process(event.pk)
        events.process(event.pk)  # a retried event reminds once
    reminders = alerts_to_team(marketing).filter(subject="Review due: Spring promo plan")
    assert reminders.count() == 1
    evaluation = RuleEvaluation.objects.get(rule=rule, event=event)
    assert evaluation.outcome == "matched; reminded Marketing to review “Spring promo plan”"


def test_stale_rule_tuned_with_a_note_and_a_condition(plan, admin_user, marketing):
    from handoffs import services as handoff_services
    from hub import events

    rule = handoff_services.rule_from_template(actor=admin_user, key="doc_stale")
    data = handoff_services.RuleInput(
        name=rule.name,
        trigger=rule.trigger,
        teams=list(rule.teams.all()),
        owner_team=rule.owner_team,
        title_template=rule.title_template,
        action="wiki.remind_owners",
        action_params={"note": "Ask Priya if unsure."},
        conditions={
            "match": "all",
            "conditions": [{"field": "payload.days_overdue", "op": "gte", "value": "3"}],
        },
    )
    rule = handoff_services.rule_save(actor=admin_user, data=data, rule=rule)
    handoff_services.rule_set_enabled(actor=admin_user, rule=rule, enabled=True)
    due = plan.review_due_at()
    with time_machine.travel(due + timedelta(days=1), tick=False):
        [early] = services.pages_mark_stale(now=due + timedelta(days=1))
        events.process(early.pk)
    assert not alerts_to_team(marketing).filter(subject__startswith="Review due").exists()
    services.page_mark_reviewed(actor=admin_user, page=plan, now=due)
    due = due + timedelta(days=plan.review_every_days)
    with time_machine.travel(due + timedelta(days=5), tick=False):
        [late] = services.pages_mark_stale(now=due + timedelta(days=5))
        events.process(late.pk)
    [reminder] = alerts_to_team(marketing).filter(subject__startswith="Review due")
    assert "Ask Priya if unsure." in reminder.body


def test_remind_owners_refuses_an_event_without_a_page(db):
    with pytest.raises(DomainError):
        services.page_owners_remind(page_id="nope", key="x")
