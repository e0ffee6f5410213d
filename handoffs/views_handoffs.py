"""Pages for handoffs, rules, channels, Explain, and the public acknowledgement link."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from handoffs import rules, selectors, services
from handoffs.forms_rules import (
    ChannelForm,
    HandoffCommentForm,
    HandoffReassignForm,
    ManualHandoffForm,
    RuleForm,
    TeamAlertSettingsForm,
    then_forms,
    then_params,
)
from handoffs.models import Alert, Handoff, Rule, TeamAlertSettings
from hub import roles
from hub.decorators import admin_required, member_required
from hub.errors import DomainError
from hub.links import safe_next
from hub.models import Event, Team

# --- Handoffs -----------------------------------------------------------------------------------


@member_required
def handoff_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    mine = selectors.team_ids_of(request.user)
    scope = request.GET.get("scope", "mine")
    status = request.GET.get("status", "attention")
    status = status if status in [*Handoff.Status.values, "attention"] else ""
    overdue = request.GET.get("overdue") == "1"
    team_ids = mine if scope == "mine" else None
    page = Paginator(
        selectors.handoff_list(team_ids=team_ids, status=status, overdue=overdue, now=now), 25
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "handoffs/handoff_list.html",
        {
            "page": page,
            "board": selectors.handoff_board(now),
            "scope": scope,
            "status": status,
            "overdue": overdue,
            "statuses": Handoff.Status.choices,
            "now": now,
            "is_admin": roles.is_admin(request.user),
            # Acknowledge is offered only on the viewer's own teams' handoffs (or to admins).
            "actable": None if roles.is_admin(request.user) else set(mine),
        },
    )


def _handoff_page(
    request: HttpRequest, handoff: Handoff, comment_form: HandoffCommentForm | None = None
) -> HttpResponse:
    alerts = handoff.alerts.select_related("channel__team").prefetch_related("attempt_log")
    comments = list(selectors.handoff_comments(handoff))
    return render(
        request,
        "handoffs/handoff_detail.html",
        {
            "handoff": handoff,
            "alerts": alerts,
            "now": timezone.now(),
            "may_act": selectors.may_acknowledge(request.user, handoff),
            "about": selectors.handoff_about(request.user, handoff),
            "is_admin": roles.is_admin(request.user),
            "reassign_form": HandoffReassignForm(exclude_team_id=handoff.team_id),
            "timeline": selectors.handoff_timeline(handoff, comments),
            "comment_form": comment_form or HandoffCommentForm(),
        },
        status=400 if comment_form is not None and comment_form.errors else 200,
    )


@member_required
def handoff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _handoff_page(request, selectors.get_handoff_for_user(request.user, pk))


@member_required
@require_POST
def handoff_comment(request: HttpRequest, pk: int) -> HttpResponse:
    handoff = selectors.get_handoff_for_user(request.user, pk)
    form = HandoffCommentForm(request.POST)
    if form.is_valid():
        try:
            comment = services.handoff_comment_add(
                handoff=handoff, author=request.user, body=form.cleaned_data["body"]
            )
        except DomainError as exc:
            form.add_error("body", exc.message)
        else:
            messages.success(request, "Comment added.")
            return redirect(f"{handoff.get_absolute_url()}#comment-{comment.pk}")
    return _handoff_page(request, handoff, form)


@member_required
@require_POST
def handoff_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    handoff = selectors.get_handoff_for_user(request.user, pk)
    try:
        if action == "ack":
            if services.handoff_acknowledge(handoff=handoff, user=request.user, via="app"):
                messages.success(request, "Acknowledged.")
            else:
                messages.info(request, "It was already acknowledged.")
        elif action == "done":
            services.handoff_done(handoff=handoff, user=request.user)
            messages.success(request, "Marked done.")
        elif action == "reassign":
            form = HandoffReassignForm(request.POST, exclude_team_id=handoff.team_id)
            if not form.is_valid():
                messages.error(request, "Choose the team to hand it on to.")
            else:
                services.handoff_reassign(
                    handoff=handoff,
                    team=form.cleaned_data["team"],
                    user=request.user,
                    note=form.cleaned_data["note"],
                )
                messages.success(request, f"Handed on to {form.cleaned_data['team'].name}.")
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(safe_next(request, request.POST.get("next"), handoff.get_absolute_url()))


@member_required
def handoff_new(request: HttpRequest) -> HttpResponse:
    form = ManualHandoffForm(request.POST or None, initial={"link": request.GET.get("from", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        hours = data.get("due_hours")
        try:
            handoff = services.handoff_hand_over(
                actor=request.user,
                team=data["team"],
                title=data["title"],
                body=data["body"],
                link=data.get("link") or "",
                due_at=timezone.now() + timedelta(hours=hours) if hours else None,
            )
        except DomainError as exc:  # the link is a hidden field: say it above the form
            visible = exc.field in form.fields and exc.field != "link"
            form.add_error(exc.field if visible else None, exc.message)
        else:
            messages.success(request, f"Handed to {handoff.team.name}.")
            return redirect(handoff)
    return render(request, "handoffs/handoff_new.html", {"form": form})


@login_not_required
@never_cache
def ack(request: HttpRequest, token: str) -> HttpResponse:
    """A signed link from an email, Slack or Teams: GET asks, POST acknowledges (so mail
    scanners that follow links change nothing)."""
    link = services.ack_link_read(token)
    if link is None:
        raise Http404("This link is not valid.")
    handoff = link.handoff
    done = False
    error = ""
    # The signed-in person acts; otherwise the person a personal (email) link was made for.
    user = request.user if request.user.is_authenticated else link.user
    if request.method == "POST":
        try:
            done = services.handoff_acknowledge(
                handoff=handoff, user=user, via=link.channel or "link"
            )
        except DomainError as exc:
            error = exc.message
        handoff.refresh_from_db()
    return render(
        request,
        "handoffs/ack.html",
        {
            "handoff": handoff,
            "done": done,
            "error": error,
            "actor": user,
            "may_act": selectors.may_acknowledge(user, handoff),
        },
    )


# --- Rules --------------------------------------------------------------------------------------


@admin_required
def rule_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "handoffs/rule_list.html",
        {
            "rules": selectors.rule_list(request.user),
            "templates": services.TEMPLATES,
            "in_use": set(
                Rule.objects.exclude(template_key="").values_list("template_key", flat=True)
            ),
            "needing_owner": {r.pk for r in services.rules_needing_owner()},
        },
    )


@admin_required
@require_POST
def rule_adopt(request: HttpRequest, key: str) -> HttpResponse:
    try:
        rule = services.rule_from_template(actor=request.user, key=key)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("handoffs:rule_list")
    messages.success(request, "Adopted, switched off: check it, dry-run it, then enable it.")
    return redirect(rule)


def _rule_input(form: RuleForm, post: QueryDict) -> services.RuleInput:
    # Also called on an invalid form (with what did validate), so the service's checks run
    # too and the person sees every problem at once.
    data = form.cleaned_data
    action = data.get("action") or "handoffs.create"
    return services.RuleInput(
        action=action,
        action_params=then_params(post, action),
        name=data.get("name", ""),
        description=data.get("description", ""),
        trigger=data.get("trigger", ""),
        conditions=form.conditions(),
        teams=list(data.get("teams") or []),
        owner_team=data.get("owner_team"),
        channels=list(data.get("channels") or []),
        title_template=data.get("title_template", ""),
        message_template=data.get("message_template", ""),
        requires_ack=data.get("requires_ack", False),
        sla_minutes=data.get("sla_minutes"),
        escalate_to_team=data.get("escalate_to_team"),
        escalate_channel=data.get("escalate_channel"),
        escalate_to_managers=data.get("escalate_to_managers", False),
        dedupe_key=data.get("dedupe_key", ""),
        dedupe_minutes=data.get("dedupe_minutes") or 0,
        minutes_saved=data.get("minutes_saved") or 0,
    )


def _add_problems(form: RuleForm, problems: dict[str, list[str]]) -> None:
    for name, texts in problems.items():
        field = name if name in form.fields else None
        if field and field in form.errors:
            continue  # the form already says what is wrong with it
        for text in texts:
            form.add_error(field, text)


def _warn_duplicates(request: HttpRequest, rule: Rule) -> None:
    for other in selectors.rule_duplicates(rule):
        messages.warning(
            request,
            f"“{rule.name}” and “{other.name}” both run on {rule.trigger} for the same team "
            "with overlapping conditions: every such event makes two handoffs and two rounds "
            "of alerts. Disable one of them, or narrow its conditions.",
        )


@admin_required
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    rule = selectors.get_rule_for_user(request.user, pk) if pk else None
    initial = (
        RuleForm.initial_for(rule) if rule else {"requires_ack": True, "escalate_to_managers": True}
    )
    form = RuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            rule = services.rule_save(
                actor=request.user, data=_rule_input(form, request.POST), rule=rule
            )
        except DomainError as exc:
            _add_problems(form, exc.errors or {"__all__": [exc.message]})
        else:
            messages.success(request, f"Saved as version {rule.version}.")
            _warn_duplicates(request, rule)
            return redirect(rule)
    elif request.method == "POST":
        problems: dict[str, list[str]] = {}
        for name, text in services.rule_problems(_rule_input(form, request.POST)):
            problems.setdefault(name, []).append(text)
        _add_problems(form, problems)
    sample = None
    trigger = (rule.trigger if rule else request.POST.get("trigger", "")) or ""
    if trigger and not trigger.endswith("*"):
        sample = Event.objects.filter(type=trigger).order_by("-id").first()
    return render(
        request,
        "handoffs/rule_edit.html",
        {
            "rule": rule,
            "form": form,
            "known_fields": rules.KNOWN_FIELDS,
            "then_forms": then_forms(
                request.POST if request.method == "POST" else None,
                request.POST.get("action", "")
                if request.method == "POST"
                else (rule.action if rule else ""),
                rule.action_params if rule else {},
            ),
            "event_types": selectors.event_types(),
            "preview": services.preview(
                {
                    "title_template": rule.title_template if rule else "",
                    "message_template": rule.message_template if rule else "",
                },
                sample,
            )
            if rule
            else None,
            "versions": rule.versions.select_related("changed_by")[:10] if rule else [],
            "needs_owner": rule is not None
            and rule.pk in {r.pk for r in services.rules_needing_owner()},
            "duplicates": selectors.rule_duplicates(rule) if rule else [],
        },
    )


@admin_required
@require_POST
def rule_preview(request: HttpRequest) -> HttpResponse:
    trigger = request.POST.get("trigger", "").strip()
    sample = Event.objects.filter(type=trigger).order_by("-id").first() if trigger else None
    return render(
        request,
        "handoffs/_rule_preview.html",
        {"preview": services.preview(request.POST.dict(), sample)},
    )


@admin_required
def rule_dry_run(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.get_rule_for_user(request.user, pk)
    result = services.rule_dry_run(rule)
    peak = max((n for _, n in result.per_day), default=0) or 1
    return render(
        request,
        "handoffs/rule_dry_run.html",
        {
            "rule": rule,
            "result": result,
            "bars": [(d, n, round(100 * n / peak)) for d, n in result.per_day],
        },
    )


@admin_required
@require_POST
def rule_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.get_rule_for_user(request.user, pk)
    enable = request.POST.get("enabled") == "1"
    rule = services.rule_set_enabled(actor=request.user, rule=rule, enabled=enable)
    messages.success(request, "Enabled: it now runs on every new event." if enable else "Disabled.")
    if enable:
        _warn_duplicates(request, rule)
    return redirect(rule)


# --- Channels -----------------------------------------------------------------------------------


@admin_required
def channel_list(request: HttpRequest) -> HttpResponse:
    form = ChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            channel = services.channel_create(
                actor=request.user,
                team=data["team"],
                kind=data["kind"],
                name=data["name"],
                target=data["target"],
                fallback=data["fallback"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"{channel} added: send it a test message.")
            return redirect("handoffs:channel_list")
    teams = Team.objects.order_by("name")
    settings_forms = [
        (
            team,
            TeamAlertSettingsForm(
                instance=TeamAlertSettings.objects.filter(team=team).first(), prefix=f"t{team.pk}"
            ),
        )
        for team in teams
    ]
    return render(
        request,
        "handoffs/channel_list.html",
        {
            "channels": selectors.channel_list(request.user),
            "form": form,
            "failed": selectors.failed_alerts(),
            "tests": Alert.objects.filter(purpose=Alert.Purpose.TEST)
            .select_related("channel__team")
            .prefetch_related("attempt_log")[:5],
            "last_tests": selectors.channel_last_tests(),
            "settings_forms": settings_forms,
        },
    )


@admin_required
@require_POST
def channel_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    channel = selectors.get_channel_for_user(request.user, pk)
    if action == "test":
        services.channel_test(actor=request.user, channel=channel)
        messages.success(
            request, f"Test message queued for {channel}; its status is in the “Last test” column."
        )
        return redirect(reverse("handoffs:channel_list") + f"#channel-{channel.pk}")
    elif action in ("enable", "disable"):
        services.channel_update(actor=request.user, channel=channel, enabled=action == "enable")
    elif action == "delete":
        try:
            services.channel_delete(actor=request.user, channel=channel)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Channel deleted.")
    else:
        raise Http404
    return redirect("handoffs:channel_list")


@admin_required
@require_POST
def team_alert_settings(request: HttpRequest, team_id: int) -> HttpResponse:
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise Http404
    instance = TeamAlertSettings.objects.filter(team=team).first() or TeamAlertSettings(team=team)
    form = TeamAlertSettingsForm(request.POST, instance=instance, prefix=f"t{team.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.team_alert_settings_set(
                actor=request.user,
                team=team,
                quiet_start=data["quiet_start"],
                quiet_end=data["quiet_end"],
                daily_digest=data["daily_digest"],
                digest_hour=data["digest_hour"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Alert settings of {team.name} saved.")
    else:
        messages.error(request, "Check the quiet hours and the digest hour (0 to 23).")
    return redirect("handoffs:channel_list")


# --- Explain ------------------------------------------------------------------------------------


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@member_required
def explain(request: HttpRequest) -> HttpResponse:
    event_id = _int(request.GET.get("event"))
    customer_id = _int(request.GET.get("customer"))
    delivery_id = _int(request.GET.get("delivery"))
    campaign_id = _int(request.GET.get("campaign"))
    found = selectors.explain(
        event_id=event_id, customer_id=customer_id, delivery_id=delivery_id, campaign_id=campaign_id
    )
    return render(
        request,
        "handoffs/explain.html",
        {
            "events": found.events,
            "evaluations": found.evaluations,
            "handoffs": found.handoffs,
            "silent": found.silent,
            "asked": bool(event_id or customer_id or delivery_id or campaign_id),
            "is_admin": roles.is_admin(request.user),
            "alert_statuses": dict(Alert.Status.choices),
        },
    )
