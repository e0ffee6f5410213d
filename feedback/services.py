"""The only writers of feedback's data: surveys, invitations, responses, opt-outs and themes.

Every message goes through the handoffs outbox (``notify``) with a dedupe key, so a task that
runs twice sends once. Responses record ``feedback.response.received`` so rules can react.
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from feedback import answers as answer_rules
from feedback.models import (
    TEXT_LIMIT,
    Answer,
    Invitation,
    OptOut,
    Question,
    Response,
    Survey,
    Theme,
)
from feedback.templates_catalog import TEMPLATES
from handoffs import services as handoff_services
from hub import audit, events, roles
from hub import selectors as hub_selectors
from hub.errors import DomainError
from hub.models import Customer, Delivery, Driver, Membership, Team, User, Zone

EVENT_RECEIVED = "feedback.response.received"
CUSTOMER_COOLDOWN_DAYS = 30
SURVEY_FIELDS = (
    "title",
    "description",
    "audience",
    "anonymous",
    "min_group_size",
    "schedule",
    "driver_scope",
    "recipients",
    "reminder_after_days",
    "max_reminders",
    "expires_after_days",
    "typeform_form_id",
    "embed_origins",
    "thank_you",
)


def _require_manager(actor: User) -> None:
    if not roles.is_manager(actor):
        raise DomainError("Only managers and admins can change surveys.", code="forbidden")


def _site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def normalise_email(address: str) -> str:
    return (address or "").strip().lower()


# --- Surveys and questions -------------------------------------------------------------------


@transaction.atomic
def survey_save(*, actor: User, data: Mapping[str, Any], survey: Survey | None = None) -> Survey:
    """Create or change a survey's settings (not its questions). Audited."""
    _require_manager(actor)
    creating = survey is None
    if survey is None:
        survey = Survey(created_by=actor, embed_key=secrets.token_urlsafe(12))
    for name in SURVEY_FIELDS:
        if name in data:
            setattr(survey, name, data[name])
    survey.title = (survey.title or "").strip()
    if not survey.title:
        raise DomainError("Give the survey a title.", field="title")
    if survey.audience not in Survey.Audience.values:
        raise DomainError("Choose who the survey is for.", field="audience")
    if survey.schedule not in Survey.Schedule.values:
        raise DomainError("Choose a schedule from the list.", field="schedule")
    if (survey.min_group_size or 0) < 1:
        raise DomainError("The minimum group size is at least 1.", field="min_group_size")
    if survey.driver_scope not in Survey.DriverScope.values:
        raise DomainError("Choose which drivers the survey goes to.", field="driver_scope")
    for address in recipient_list(survey):
        _check_email(address, field_name="recipients")
    survey.save()
    if "drivers" in data:
        survey.drivers.set(list(data["drivers"] or []))
    audit.record(
        actor=actor,
        action="survey.create" if creating else "survey.update",
        obj=survey,
        changes={k: str(data[k])[:200] for k in (*SURVEY_FIELDS, "drivers") if k in data},
    )
    return survey


def recipient_list(survey: Survey) -> list[str]:
    return [
        normalise_email(line) for line in (survey.recipients or "").splitlines() if line.strip()
    ]


def _check_email(address: str, *, field_name: str = "email") -> None:
    try:
        validate_email(address)
    except ValidationError as exc:
        raise DomainError(f"“{address}” is not an email address.", field=field_name) from exc


@transaction.atomic
def survey_from_template(*, actor: User, key: str) -> Survey:
    """A draft copy of a ready-made survey, questions and skip logic included. Audited."""
    template = TEMPLATES.get(key)
    if template is None:
        raise DomainError("No such survey template.")
    survey = survey_save(
        actor=actor,
        data={
            "title": template["title"],
            "description": template["description"],
            "audience": template["audience"],
            "anonymous": template["anonymous"],
            "schedule": template["schedule"],
        },
    )
    Survey.objects.filter(pk=survey.pk).update(template_key=key)
    survey.template_key = key
    made: list[Question] = []
    for position, (kind, text, required, measures, choices, show_if) in enumerate(
        template["questions"]
    ):
        made.append(
            Question.objects.create(
                survey=survey,
                position=position,
                kind=kind,
                text=text,
                required=required,
                measures=measures,
                choices=list(choices),
                show_if=made[show_if[0]] if show_if else None,
                show_if_values=list(show_if[1]) if show_if else [],
            )
        )
    return survey


@transaction.atomic
def question_add(
    *,
    actor: User,
    survey: Survey,
    kind: str,
    text: str,
    required: bool = False,
    choices: Sequence[str] = (),
    measures: str = "",
    help_text: str = "",
    show_if: Question | None = None,
    show_if_values: Sequence[str] = (),
    external_ref: str = "",
) -> Question:
    """Add a question at the end of the survey. Audited."""
    _require_manager(actor)
    text = text.strip()
    if not text:
        raise DomainError("Write the question.", field="text")
    if kind not in Question.Kind.values:
        raise DomainError("Choose a question type.", field="kind")
    options = [c.strip()[:100] for c in choices if c.strip()]
    if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE) and len(options) < 2:
        raise DomainError("A choice question needs at least two options.", field="choices")
    if measures and measures not in Question.Measure.values:
        raise DomainError("Choose what the question measures.", field="measures")
    if measures and kind not in (Question.Kind.NPS, Question.Kind.CSAT, Question.Kind.RATING):
        raise DomainError("Only a scale question can feed a KPI.", field="measures")
    if measures == "nps" and kind != Question.Kind.NPS:
        raise DomainError("NPS needs an NPS (0–10) question.", field="measures")
    if measures and survey.questions.exclude(measures="").exists():
        raise DomainError("This survey already has a question that feeds a KPI.", field="measures")
    if show_if is not None and show_if.survey_id != survey.pk:
        raise DomainError("Skip logic can only look at this survey's questions.", field="show_if")
    if show_if is not None and not [v for v in show_if_values if str(v).strip()]:
        raise DomainError("Say which answers show the question.", field="show_if_values")
    last = survey.questions.order_by("-position").values_list("position", flat=True).first()
    question = Question.objects.create(
        survey=survey,
        position=(last + 1) if last is not None else 0,
        kind=kind,
        text=text[:300],
        help_text=help_text.strip()[:300],
        required=required,
        choices=options,
        measures=measures,
        show_if=show_if,
        show_if_values=[str(v).strip() for v in show_if_values if str(v).strip()],
        external_ref=external_ref.strip()[:120],
    )
    audit.record(actor=actor, action="survey.question_add", obj=survey, changes={"text": text})
    return question


@transaction.atomic
def question_update(
    *,
    actor: User,
    question: Question,
    text: str,
    required: bool,
    help_text: str = "",
    choices: Sequence[str] | None = None,
) -> Question:
    """Reword a question, its help or whether it is required; a choice question's options too,
    until someone has answered it (changing them then would change what the answers meant).
    Audited."""
    _require_manager(actor)
    question = Question.objects.select_for_update().get(pk=question.pk)
    text = text.strip()
    if not text:
        raise DomainError("Write the question.", field="text")
    changes: dict[str, Any] = {}
    if choices is not None and question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        options = [c.strip()[:100] for c in choices if c.strip()]
        if options != question.choices:
            if len(options) < 2:
                raise DomainError("A choice question needs at least two options.", field="choices")
            if question.answers.exists():
                raise DomainError(
                    "People have answered this question: its options stay as they are.",
                    field="choices",
                )
            changes["choices"] = options
            question.choices = options
    for name, value in (
        ("text", text[:300]),
        ("help_text", help_text.strip()[:300]),
        ("required", bool(required)),
    ):
        if getattr(question, name) != value:
            changes[name] = value
            setattr(question, name, value)
    if changes:
        question.save(update_fields=[*changes])
        audit.record(
            actor=actor, action="survey.question_update", obj=question.survey, changes=changes
        )
    return question


@transaction.atomic
def question_delete(*, actor: User, question: Question) -> None:
    """Remove a question that has no answers yet. Audited."""
    _require_manager(actor)
    if question.answers.exists():
        raise DomainError("People have answered this question; close the survey instead.")
    survey = question.survey
    audit.record(
        actor=actor, action="survey.question_delete", obj=survey, changes={"text": question.text}
    )
    question.delete()


@transaction.atomic
def questions_reorder(*, actor: User, survey: Survey, order: Sequence[int]) -> list[Question]:
    """Put the survey's questions in the given order (every question id once). A question with
    skip logic stays after the question it looks at. Audited; the same order again changes
    nothing. Returns the questions in their new order."""
    _require_manager(actor)
    questions = {
        q.pk: q for q in Question.objects.select_for_update().filter(survey=survey).order_by("id")
    }
    try:
        wanted = [int(pk) for pk in order]
    except (TypeError, ValueError) as exc:
        raise DomainError("The order lists question ids only.", field="order") from exc
    if sorted(wanted) != sorted(questions):
        raise DomainError(
            "The order must list every question of this survey once; reload the page.",
            field="order",
        )
    place = {pk: n for n, pk in enumerate(wanted)}
    for q in questions.values():
        if q.show_if_id is not None and q.show_if_id in place and place[q.show_if_id] > place[q.pk]:
            raise DomainError(
                f"“{q.text}” is shown only after an answer to “{questions[q.show_if_id].text}”: "
                "keep it below that question.",
                field="order",
            )
    before = [q.pk for q in sorted(questions.values(), key=lambda q: (q.position, q.pk))]
    changed = [q for q in questions.values() if q.position != place[q.pk]]
    for q in changed:
        q.position = place[q.pk]
    if changed:
        Question.objects.bulk_update(changed, ["position"])
    if before != wanted:
        audit.record(
            actor=actor,
            action="survey.questions_reorder",
            obj=survey,
            changes={"order": wanted},
        )
    return [questions[pk] for pk in wanted]


def question_move(*, actor: User, question: Question, offset: int) -> list[Question]:
    """Move a question up (negative offset) or down among its survey's questions; at the top
    or bottom it stays. Same checks as ``questions_reorder``."""
    survey = question.survey
    ids = list(
        Question.objects.filter(survey=survey)
        .order_by("position", "id")
        .values_list("pk", flat=True)
    )
    if question.pk not in ids:
        raise DomainError("No such question in this survey.")
    at = ids.index(question.pk)
    to = max(0, min(len(ids) - 1, at + offset))
    ids.insert(to, ids.pop(at))
    return questions_reorder(actor=actor, survey=survey, order=ids)


@transaction.atomic
def survey_set_status(*, actor: User, survey: Survey, status: str) -> Survey:
    """Open (active), close or reopen a survey. Audited."""
    _require_manager(actor)
    if status not in Survey.Status.values:
        raise DomainError("Unknown status.")
    if status == Survey.Status.ACTIVE and not survey.questions.exists():
        raise DomainError("Add at least one question before opening the survey.")
    Survey.objects.filter(pk=survey.pk).update(status=status)
    survey.status = status
    audit.record(actor=actor, action=f"survey.{status}", obj=survey)
    return survey


# --- Invitations and sending ------------------------------------------------------------------


def is_opted_out(email: str) -> bool:
    return OptOut.objects.filter(email=normalise_email(email)).exists()


def invitation_create(
    *,
    survey: Survey,
    email: str,
    round: str,
    source: str = Invitation.Source.MANUAL,
    customer: Customer | None = None,
    delivery: Delivery | None = None,
    team: Team | None = None,
    driver: Driver | None = None,
    now: datetime | None = None,
) -> Invitation | None:
    """One invitation per (survey, address, round); None if the address opted out or already has
    one for this round. Writes nothing else."""
    now = now or timezone.now()
    email = normalise_email(email)
    if not email or is_opted_out(email):
        return None
    try:
        with transaction.atomic():
            return Invitation.objects.create(
                survey=survey,
                token=secrets.token_urlsafe(24),
                email=email,
                round=round[:80],
                source=source,
                customer=None if survey.anonymous else customer,
                delivery=None if survey.anonymous else delivery,
                team=team,
                driver=None if survey.anonymous else driver,
                zone=driver.zone if driver is not None else None,
                created_at=now,
                expires_at=now + timedelta(days=survey.expires_after_days or 14),
            )
    except IntegrityError:
        return None


def invitation_links(invitation: Invitation) -> tuple[str, str]:
    """(answer URL, unsubscribe URL), absolute, for emails."""
    return (
        _site(reverse("survey_public:answer", args=[invitation.token])),
        _site(reverse("survey_public:unsubscribe", args=[invitation.token])),
    )


def invitation_send(*, invitation: Invitation, now: datetime | None = None) -> bool:
    """Email the invitation through the outbox, once (dedupe key per invitation)."""
    now = now or timezone.now()
    link, unsubscribe = invitation_links(invitation)
    survey = invitation.survey
    body = survey.description or "It takes about a minute."
    if survey.anonymous:
        body += "\n\nYour answers are anonymous: nothing links them to you."
    with transaction.atomic():
        handoff_services.notify(
            to=invitation.email,
            title=survey.title,
            body=body,
            link=link,
            link_label="Answer the survey",
            unsubscribe_url=unsubscribe,
            dedupe_key=f"survey-invite:{invitation.pk}",
            now=now,
        )
        Invitation.objects.filter(pk=invitation.pk, sent_at__isnull=True).update(sent_at=now)
    return True


def _audience(survey: Survey, now: datetime) -> list[tuple[str, dict[str, Any]]]:
    """(email, invitation facts) for everyone the survey goes to."""
    people: list[tuple[str, dict[str, Any]]] = []
    if survey.audience == Survey.Audience.STAFF:
        memberships = (
            Membership.objects.filter(user__is_active=True)
            .exclude(user__email="")
            .select_related("user", "team")
            .order_by("user_id", "id")
        )
        seen: set[int] = set()
        for m in memberships:
            if m.user_id not in seen:
                seen.add(m.user_id)
                people.append((m.user.email, {"team": m.team}))
    elif survey.audience == Survey.Audience.CUSTOMERS:
        # Customers with a completed delivery in the last 30 days.
        since = now - timedelta(days=CUSTOMER_COOLDOWN_DAYS)
        customers = (
            Customer.objects.filter(
                deliveries__completed_at__gte=since, deliveries__status="succeeded"
            )
            .exclude(email="")
            .distinct()
        )
        people += [(c.email, {"customer": c}) for c in customers]
    elif survey.audience == Survey.Audience.DRIVERS:
        chosen = survey.driver_scope == Survey.DriverScope.CHOSEN
        ids = list(survey.drivers.values_list("pk", flat=True)) if chosen else None
        people += [(d.email, {"driver": d}) for d in hub_selectors.drivers_to_survey(ids)]
    people += [(address, {}) for address in recipient_list(survey)]
    return people


def survey_send(
    *,
    actor: User | None,
    survey: Survey,
    round: str,
    source: str = Invitation.Source.MANUAL,
    now: datetime | None = None,
) -> int:
    """Invite the survey's whole audience for one round (once each) and email them after commit.
    Returns the number of new invitations. Safe to repeat: a round invites a person once."""
    now = now or timezone.now()
    if actor is not None:
        _require_manager(actor)
    if survey.status != Survey.Status.ACTIVE:
        raise DomainError("Open the survey before sending it.")
    audience = _audience(survey, now)
    if not audience and survey.audience == Survey.Audience.DRIVERS:
        if survey.driver_scope == Survey.DriverScope.CHOSEN:
            raise DomainError("Choose the drivers to invite in the survey's settings.")
        raise DomainError(
            "No active driver has an email address yet: add them on the Drivers page."
        )
    sent = 0
    with transaction.atomic():
        for email, facts in audience:
            invitation = invitation_create(
                survey=survey, email=email, round=round, source=source, now=now, **facts
            )
            if invitation is not None:
                invitation.survey = survey
                invitation_send(invitation=invitation, now=now)
                sent += 1
        if actor is not None:
            audit.record(actor=actor, action="survey.send", obj=survey, changes={"invited": sent})
    return sent


def schedule_due(survey: Survey, today: date) -> bool:
    if survey.schedule == Survey.Schedule.FIRST_DAY:
        return today.day == 1
    if survey.schedule == Survey.Schedule.FIRST_MONDAY:
        return today.weekday() == 0 and today.day <= 7
    return False


def surveys_send_scheduled(*, now: datetime | None = None) -> int:
    """Beat: send every active scheduled survey whose day it is (one round per month)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    total = 0
    for survey in Survey.objects.filter(status=Survey.Status.ACTIVE).exclude(schedule=""):
        if schedule_due(survey, today):
            try:
                total += survey_send(
                    actor=None,
                    survey=survey,
                    round=f"month:{today:%Y-%m}",
                    source=Invitation.Source.SCHEDULE,
                    now=now,
                )
            except DomainError:
                # Nobody to invite (no driver chosen): the other surveys still go out.
                continue
    return total


def survey_send_for_delivery(
    *,
    survey: Survey,
    customer: Customer | None,
    delivery: Delivery | None,
    cooldown_days: int = CUSTOMER_COOLDOWN_DAYS,
    now: datetime | None = None,
    dry_run: bool = False,
) -> tuple[Invitation | None, str]:
    """Invite one customer after a delivery, at most once per ``cooldown_days`` across all
    surveys. Returns (invitation or None, what happened in words)."""
    now = now or timezone.now()
    if survey.status != Survey.Status.ACTIVE:
        return None, f"survey “{survey.title}” is not open"
    if customer is None or not customer.email:
        return None, "no customer email for this delivery"
    email = normalise_email(customer.email)
    if is_opted_out(email):
        return None, f"{email} opted out of surveys"
    recent = Invitation.objects.filter(
        email=email, created_at__gte=now - timedelta(days=cooldown_days)
    ).exists()
    if recent:
        return None, f"{email} already had a survey in the last {cooldown_days} days"
    if dry_run:
        return None, f"would email “{survey.title}” to {email}"
    round_key = f"delivery:{delivery.dispatch_id}" if delivery else f"day:{now:%Y-%m-%d}"
    with transaction.atomic():
        # One customer at a time: two deliveries completing together send one survey.
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        if Invitation.objects.filter(
            email=email, created_at__gte=now - timedelta(days=cooldown_days)
        ).exists():
            return None, f"{email} already had a survey in the last {cooldown_days} days"
        invitation = invitation_create(
            survey=survey,
            email=email,
            round=round_key,
            source=Invitation.Source.RULE,
            customer=customer,
            delivery=delivery,
            now=now,
        )
        if invitation is None:
            return None, f"{email} already invited"
        invitation_send(invitation=invitation, now=now)
    return invitation, f"emailed “{survey.title}” to {email}"


def reminders_send(*, now: datetime | None = None, limit: int = 500) -> int:
    """Beat: remind unanswered, unexpired invitations after the survey's N days, at most M
    times; never after an answer or an opt-out. Each reminder is claimed with a conditional
    update and has its own dedupe key, so overlapping sweeps send it once."""
    now = now or timezone.now()
    candidates = (
        Invitation.objects.filter(
            answered_at__isnull=True,
            sent_at__isnull=False,
            expires_at__gt=now,
            survey__status=Survey.Status.ACTIVE,
            reminders_sent__lt=F("survey__max_reminders"),
        )
        .select_related("survey")
        .order_by("sent_at")[:limit]
    )
    sent = 0
    for invitation in candidates:
        wait = timedelta(days=invitation.survey.reminder_after_days)
        last = invitation.last_reminded_at or invitation.sent_at
        if last is None or last > now - wait or is_opted_out(invitation.email):
            continue
        with transaction.atomic():
            claimed = Invitation.objects.filter(
                pk=invitation.pk,
                answered_at__isnull=True,
                reminders_sent=invitation.reminders_sent,
            ).update(reminders_sent=F("reminders_sent") + 1, last_reminded_at=now)
            if not claimed:
                continue
            link, unsubscribe = invitation_links(invitation)
            handoff_services.notify(
                to=invitation.email,
                title=f"Reminder: {invitation.survey.title}",
                body="You have not answered yet; it takes about a minute.",
                link=link,
                link_label="Answer the survey",
                unsubscribe_url=unsubscribe,
                dedupe_key=f"survey-reminder:{invitation.pk}:{invitation.reminders_sent + 1}",
                now=now,
            )
            sent += 1
    return sent


@transaction.atomic
def optout_create(*, email: str, now: datetime | None = None) -> OptOut:
    """Stop every survey and reminder to this address, forever. Idempotent."""
    email = normalise_email(email)
    optout, _ = OptOut.objects.get_or_create(
        email=email, defaults={"created_at": now or timezone.now()}
    )
    return optout


# --- Responses ---------------------------------------------------------------------------------


@dataclass
class Facts:
    """What a response is about, where known."""

    customer: Customer | None = None
    delivery: Delivery | None = None
    team: Team | None = None
    order_ref: str = ""
    zone: Zone | None = None


def _facts_payload(response: Response) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "response_id": response.pk,
        "survey_id": response.survey_id,
        "survey": response.survey.title,
        "measure": response.measure,
        "score": response.score,
        "source": response.source,
        "anonymous": response.survey.anonymous,
        "zone": response.zone.code if response.zone else "",
        "campaign_id": response.campaign_id,
        "team": response.team.name if response.team else "",
    }
    if not response.survey.anonymous:
        payload.update(
            customer_id=response.customer_id,
            delivery_id=response.delivery_id,
            order=response.order_ref
            or (response.delivery.dispatch_id if response.delivery else ""),
        )
    return payload


def response_submit(
    *,
    survey: Survey,
    data: Mapping[str, Sequence[str]],
    invitation: Invitation | None = None,
    facts: Facts | None = None,
    source: str = Response.Source.LINK,
    external_id: str = "",
    now: datetime | None = None,
    record_event: bool = True,
) -> Response:
    """Store one person's answers (checked against the questions and skip logic), mark the
    invitation answered, and record ``feedback.response.received``. An invitation answers once;
    a repeated external id or order is refused."""
    now = now or timezone.now()
    facts = facts or Facts()
    questions = list(survey.questions.select_related(None).order_by("position", "id"))
    cleaned, errors = answer_rules.clean(questions, data)
    if errors:
        first = next(iter(errors.items()))
        raise DomainError(first[1], field=first[0])
    if not cleaned:
        raise DomainError("Answer at least one question.")
    with transaction.atomic():
        if invitation is not None:
            invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
            if invitation.answered_at is not None:
                raise DomainError("This survey link has already been answered.", code="answered")
            if invitation.expires_at <= now:
                raise DomainError("This survey link has expired.", code="expired")
            invitation.answered_at = now
            invitation.save(update_fields=["answered_at"])
            facts = Facts(
                customer=facts.customer or invitation.customer,
                delivery=facts.delivery or invitation.delivery,
                team=facts.team or invitation.team,
                order_ref=facts.order_ref,
                zone=facts.zone or invitation.zone,
            )
        delivery = facts.delivery
        customer = facts.customer or (delivery.customer if delivery else None)
        zone = (
            facts.zone
            or (delivery.zone if delivery else None)
            or (customer.zone if customer else None)
        )
        promo = bool((delivery and delivery.promo_code_id) or (customer and customer.promo_code_id))
        campaign = customer.acquisition_campaign if customer else None
        measuring = next((q for q in questions if q.measures and q.pk in cleaned), None)
        anonymous = survey.anonymous
        response = Response(
            survey=survey,
            source=source,
            invitation=None if anonymous else invitation,
            customer=None if anonymous else customer,
            delivery=None if anonymous else delivery,
            team=facts.team,
            zone=zone,
            campaign=campaign,
            promo=promo,
            order_ref=facts.order_ref[:64],
            external_id=external_id[:120],
            score=cleaned[measuring.pk].number if measuring else None,
            measure=measuring.measures if measuring else "",
            # Anonymous: the day only, so the time cannot be matched to an invitation's.
            submitted_at=_day_start(now) if anonymous else now,
        )
        try:
            with transaction.atomic():
                response.save()
        except IntegrityError as exc:
            raise DomainError("This response was already recorded.", code="duplicate") from exc
        Answer.objects.bulk_create(
            [
                Answer(
                    response=response,
                    question_id=qid,
                    number=c.number,
                    text=c.text[:TEXT_LIMIT],
                    choices=c.choices,
                )
                for qid, c in cleaned.items()
            ]
        )
        if record_event:
            events.record(
                "feedback",
                EVENT_RECEIVED,
                f"response:{response.pk}",
                _facts_payload(response),
                occurred_at=now,
                subject=f"survey:{survey.pk}",
            )
    return response


def _day_start(moment: datetime) -> datetime:
    local = timezone.localtime(moment)
    return local.replace(hour=12, minute=0, second=0, microsecond=0)


# --- Themes ----------------------------------------------------------------------------------


def can_tag(user: User) -> bool:
    """CS and ops tag themes; managers and admins too."""
    if roles.is_manager(user):
        return True
    return Membership.objects.filter(
        user=user, team__kind__in=[Team.Kind.SUPPORT, Team.Kind.OPERATIONS]
    ).exists()


@transaction.atomic
def answer_tag(*, actor: User, answer: Answer, name: str) -> Theme:
    """Tag a text answer with a theme (created on first use). Idempotent. Audited."""
    if not can_tag(actor):
        raise DomainError("Customer support, operations and managers tag themes.", code="forbidden")
    name = " ".join(name.split())[:60]
    if not name:
        raise DomainError("Name the theme.", field="theme")
    if not answer.question.is_text:
        raise DomainError("Only text answers take themes.")
    theme = Theme.objects.filter(name__iexact=name).first()
    if theme is None:
        theme = Theme.objects.create(name=name[:1].upper() + name[1:])
    answer.themes.add(theme)
    audit.record(
        actor=actor, action="feedback.theme_tag", obj=answer.response, changes={"theme": theme.name}
    )
    return theme


@transaction.atomic
def answer_untag(*, actor: User, answer: Answer, theme: Theme) -> None:
    """Remove a theme from an answer. Audited."""
    if not can_tag(actor):
        raise DomainError("Customer support, operations and managers tag themes.", code="forbidden")
    answer.themes.remove(theme)
    audit.record(
        actor=actor,
        action="feedback.theme_untag",
        obj=answer.response,
        changes={"theme": theme.name},
    )


# --- Typeform and CSV imports ------------------------------------------------------------------


def typeform_response_store(event: Any) -> Response | None:
    """Event subscriber for ``typeform.form_response``: store it as a response of the survey
    linked to its form. Idempotent: Typeform's response token is the external id."""
    payload = event.payload if isinstance(event.payload, dict) else {}
    form = payload.get("form_response") or {}
    survey = (
        Survey.objects.filter(typeform_form_id=str(form.get("form_id") or ""))
        .exclude(typeform_form_id="")
        .first()
    )
    if survey is None:
        return None
    token = str(form.get("token") or event.external_id)
    if Response.objects.filter(survey=survey, external_id=token).exists():
        return None
    questions = list(survey.questions.order_by("position", "id"))
    by_ref = {q.external_ref: q for q in questions if q.external_ref}
    values: dict[int, Any] = {}
    for position, item in enumerate(form.get("answers") or []):
        if not isinstance(item, dict):
            continue
        ref = item.get("field") or {}
        question = by_ref.get(str(ref.get("ref") or "")) or by_ref.get(str(ref.get("id") or ""))
        if question is None and not by_ref and position < len(questions):
            question = questions[position]
        if question is None:
            continue
        values[question.pk] = _typeform_value(item)
    hidden = form.get("hidden") or {}
    customer = None
    email = normalise_email(str(hidden.get("customer_email") or hidden.get("email") or ""))
    if email:
        customer = Customer.objects.filter(email=email).first()
    delivery = None
    if hidden.get("order"):
        delivery = Delivery.objects.filter(dispatch_id=str(hidden["order"])).first()
    submitted = parse_datetime(str(form.get("submitted_at") or "")) or event.received_at
    try:
        return response_submit(
            survey=survey,
            data=answer_rules.from_values(questions, values),
            facts=Facts(customer=customer, delivery=delivery),
            source=Response.Source.TYPEFORM,
            external_id=token,
            now=submitted,
        )
    except DomainError:
        # An answer that does not fit the survey's questions is left on the event.
        return None


def _typeform_value(item: Mapping[str, Any]) -> Any:
    kind = item.get("type")
    if kind == "number":
        return item.get("number")
    if kind == "choice":
        return (item.get("choice") or {}).get("label")
    if kind == "choices":
        return (item.get("choices") or {}).get("labels") or []
    if kind == "boolean":
        return "Yes" if item.get("boolean") else "No"
    if kind in ("text", "email", "url", "phone_number", "date"):
        return item.get(kind)
    return None


@dataclass
class ImportResult:
    stored: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)


TIME_COLUMNS = ("submitted at", "submit date (utc)", "timestamp", "submitted_at", "date")
ID_COLUMNS = ("#", "response id", "token", "network id", "response_id")
EMAIL_COLUMNS = ("email", "email address", "customer_email")


def _csv_rows(reader: csv.DictReader) -> Iterator[dict[str, Any] | csv.Error]:
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield exc


def responses_import_csv(
    *, actor: User, survey: Survey, text: str, now: datetime | None = None
) -> ImportResult:
    """Store the rows of a Typeform or Google Forms CSV export as responses. Columns match
    questions by their text or reference; a row seen before (same id) is skipped. Audited."""
    _require_manager(actor)
    now = now or timezone.now()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames:
        raise DomainError("The file is empty or not a CSV export.", field="file")
    questions = list(survey.questions.order_by("position", "id"))
    columns: dict[int, str] = {}
    headings = {h.strip().lower(): h for h in reader.fieldnames if h}
    for q in questions:
        for key in (q.external_ref.strip().lower(), q.text.strip().lower()):
            if key and key in headings:
                columns[q.pk] = headings[key]
                break
    if not columns:
        raise DomainError(
            "No column matches a question: the headings must be the questions' text.",
            field="file",
        )
    time_col = next((headings[c] for c in TIME_COLUMNS if c in headings), None)
    id_col = next((headings[c] for c in ID_COLUMNS if c in headings), None)
    email_col = next((headings[c] for c in EMAIL_COLUMNS if c in headings), None)
    result = ImportResult()
    for line, row in enumerate(_csv_rows(reader), start=2):
        if isinstance(row, csv.Error):
            # A row the CSV reader refuses (a cell over its size limit, a stray quote) is
            # skipped with its reason; the reader goes on with the next line.
            result.skipped += 1
            if len(result.problems) < 20:
                result.problems.append(f"Row {line}: this row can't be read ({row}).")
            continue
        if line > 20001:
            result.problems.append("Stopped after 20,000 rows; split the file.")
            break
        values: dict[int, Any] = {}
        for q in questions:
            raw = (row.get(columns.get(q.pk, "")) or "").strip()
            if not raw:
                continue
            values[q.pk] = [v.strip() for v in raw.split(",")] if q.kind == "multiple" else raw
        row_id = (row.get(id_col) or "").strip() if id_col else ""
        external = (
            f"csv:{row_id}"
            if row_id
            else "csv:" + hashlib.sha256(repr(sorted(row.items())).encode()).hexdigest()[:32]
        )
        when = _parse_when((row.get(time_col) or "") if time_col else "") or now
        customer = None
        if email_col and not survey.anonymous:
            email = normalise_email(row.get(email_col) or "")
            customer = Customer.objects.filter(email=email).first() if email else None
        try:
            response_submit(
                survey=survey,
                data=answer_rules.from_values(questions, values),
                facts=Facts(customer=customer),
                source=Response.Source.IMPORT,
                external_id=external,
                now=when,
            )
        except DomainError as exc:
            result.skipped += 1
            if exc.code != "duplicate" and len(result.problems) < 20:
                result.problems.append(f"Row {line}: {exc.message}")
            continue
        result.stored += 1
    audit.record(
        actor=actor,
        action="survey.import",
        obj=survey,
        changes={"stored": result.stored, "skipped": result.skipped},
    )
    return result


def _parse_when(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    parsed = parse_datetime(value.replace("/", "-"))
    if parsed is None:
        for fmt in ("%m/%d/%Y %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%Y/%m/%d %H:%M:%S"):
            try:
                parsed = datetime.strptime(value, fmt)  # noqa: DTZ007 - made aware below
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


# --- Monthly summary ---------------------------------------------------------------------------


def summary_post(*, month: date, now: datetime | None = None) -> int:
    """Post last month's feedback summary to every team through the outbox. Once per month and
    team (dedupe key). Returns the number of teams told."""
    from feedback import selectors

    numbers = selectors.review_feedback(month)
    title = f"Feedback in {month:%B %Y}: {numbers['responses']} responses"
    lines = []
    for label, key in (("CSAT", "csat"), ("NPS", "nps"), ("Team communication", "comm")):
        value = numbers[key]
        if value is not None:
            lines.append(f"{label}: {value} ({numbers[key + '_count']} answers)")
    if numbers["themes"]:
        lines.append(
            "Top themes: " + ", ".join(f"{t['name']} ({t['count']})" for t in numbers["themes"])
        )
    for comment in numbers["comments"][:3]:
        lines.append(f"“{comment['text'][:200]}”")
    told = 0
    for team in Team.objects.order_by("id"):
        handoff_services.notify(
            to=team,
            title=title,
            body="\n".join(lines) or "No responses this month.",
            link=reverse("feedback:themes") + f"?month={month:%Y-%m}",
            link_label="See the feedback",
            dedupe_key=f"feedback-summary:{month:%Y-%m}",
            now=now,
        )
        told += 1
    return told


def expired_or_answered(invitation: Invitation, now: datetime) -> str:
    """ "answered", "expired" or "" for a usable invitation."""
    if invitation.answered_at is not None:
        return "answered"
    if invitation.expires_at <= now or invitation.survey.status == Survey.Status.CLOSED:
        return "expired"
    return ""


__all__ = [
    "EVENT_RECEIVED",
    "Facts",
    "ImportResult",
    "answer_tag",
    "answer_untag",
    "invitation_create",
    "invitation_send",
    "optout_create",
    "question_add",
    "question_delete",
    "question_move",
    "question_update",
    "questions_reorder",
    "reminders_send",
    "response_submit",
    "responses_import_csv",
    "summary_post",
    "survey_from_template",
    "survey_save",
    "survey_send",
    "survey_send_for_delivery",
    "survey_set_status",
    "surveys_send_scheduled",
    "typeform_response_store",
]


# --- Rules that close the loop (made through handoffs' services) -------------------------------


def rule_low_score_to_support(*, actor: User, enable: bool = False) -> Any:
    """A handoff rule: a CSAT of 2 or less hands the customer to customer support (within the
    hour). Disabled unless ``enable``; returns the rule."""
    support = Team.objects.filter(kind=Team.Kind.SUPPORT).order_by("id").first()
    owner = support or Team.objects.order_by("id").first()
    if owner is None:
        raise DomainError("Create a team first: rules hand work to teams.")
    rule = handoff_services.rule_save(
        actor=actor,
        data=handoff_services.RuleInput(
            name="Low CSAT answer → Customer support",
            description="A customer who scored their delivery 2 or less hears from support.",
            trigger=EVENT_RECEIVED,
            conditions={
                "match": "all",
                "conditions": [
                    {"field": "payload.measure", "op": "eq", "value": "csat"},
                    {"field": "payload.score", "op": "lte", "value": "2"},
                ],
            },
            teams=[support or owner],
            owner_team=owner,
            title_template="Low CSAT ({{ payload.score }}/5) from "
            "{% firstof customer.name customer.email 'a customer' %}",
            message_template="Survey “{{ payload.survey }}”"
            "{% if delivery %}, delivery {{ delivery.dispatch_id }}{% endif %}"
            "{% if payload.zone %} in {{ payload.zone }}{% endif %}. Reach out today.",
            sla_minutes=60,
            dedupe_key="{{ payload.response_id }}",
            minutes_saved=10,
        ),
    )
    if enable:
        rule = handoff_services.rule_set_enabled(actor=actor, rule=rule, enabled=True)
    return rule


def rule_survey_after_delivery(*, actor: User, survey: Survey, enable: bool = False) -> Any:
    """A handoff rule: every completed delivery sends ``survey`` to its customer, at most once
    per customer per 30 days. Disabled unless ``enable``; returns the rule."""
    owner = (
        Team.objects.filter(kind=Team.Kind.SUPPORT).order_by("id").first()
        or Team.objects.order_by("id").first()
    )
    if owner is None:
        raise DomainError("Create a team first: rules belong to a team.")
    rule = handoff_services.rule_save(
        actor=actor,
        data=handoff_services.RuleInput(
            name=f"Delivery completed → send “{survey.title}”",
            trigger="onfleet.taskCompleted",
            teams=[],
            owner_team=owner,
            title_template="",
            action="feedback.send_survey",
            action_params={"survey": str(survey.pk), "cooldown_days": "30"},
            minutes_saved=2,
        ),
    )
    if enable:
        rule = handoff_services.rule_set_enabled(actor=actor, rule=rule, enabled=True)
    return rule


@dataclass
class HistoryItem:
    """One past response to load: answers as {question id: value}, its facts and its time."""

    values: dict[int, Any]
    at: datetime
    facts: Facts = field(default_factory=Facts)
    source: str = Response.Source.IMPORT
    invitation: Invitation | None = None


def responses_load_history(*, survey: Survey, items: Sequence[HistoryItem]) -> list[Response]:
    """Store many past responses at once (demo history, bulk imports), checked like any answer
    but written in batches and without events (the caller records those it wants). Invitations
    given are marked answered. Returns the responses stored."""
    questions = list(survey.questions.order_by("position", "id"))
    rows: list[tuple[Response, dict[int, answer_rules.Cleaned]]] = []
    kept: list[HistoryItem] = []
    for item in items:
        cleaned, errors = answer_rules.clean(
            questions, answer_rules.from_values(questions, item.values)
        )
        if errors or not cleaned:
            continue
        delivery = item.facts.delivery
        customer = item.facts.customer or (delivery.customer if delivery else None)
        measuring = next((q for q in questions if q.measures and q.pk in cleaned), None)
        anonymous = survey.anonymous
        kept.append(item)
        rows.append(
            (
                Response(
                    survey=survey,
                    source=item.source,
                    invitation=None if anonymous else item.invitation,
                    customer=None if anonymous else customer,
                    delivery=None if anonymous else delivery,
                    team=item.facts.team,
                    zone=item.facts.zone
                    or (delivery.zone if delivery else None)
                    or (customer.zone if customer else None),
                    campaign=customer.acquisition_campaign if customer else None,
                    promo=bool(
                        (delivery and delivery.promo_code_id)
                        or (customer and customer.promo_code_id)
                    ),
                    score=cleaned[measuring.pk].number if measuring else None,
                    measure=measuring.measures if measuring else "",
                    submitted_at=_day_start(item.at) if anonymous else item.at,
                ),
                cleaned,
            )
        )
    with transaction.atomic():
        stored = Response.objects.bulk_create([r for r, _ in rows], batch_size=500)
        Answer.objects.bulk_create(
            [
                Answer(
                    response=response,
                    question_id=qid,
                    number=c.number,
                    text=c.text[:TEXT_LIMIT],
                    choices=c.choices,
                )
                for response, (_, cleaned) in zip(stored, rows, strict=True)
                for qid, c in cleaned.items()
            ],
            batch_size=1000,
        )
        for item in kept:
            if item.invitation is not None and item.invitation.answered_at is None:
                Invitation.objects.filter(pk=item.invitation.pk).update(answered_at=item.at)
    return stored


def response_event_payload(response: Response) -> dict[str, Any]:
    """What ``feedback.response.received`` carries for this response."""
    return _facts_payload(response)
