"""Reads of feedback's data, permission-aware where a person asks. Other apps (the KPI review,
the metric registry) read feedback only through the functions here."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.http import Http404
from django.utils import timezone

from feedback.models import Answer, Invitation, Question, Response, Survey, Theme
from hub import roles
from hub.models import User


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    start = month.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end, time.min, tzinfo=tz),
    )


# --- Permission-aware reads ---------------------------------------------------------------------


def survey_list(user: User) -> QuerySet[Survey]:
    """Every survey a member may see, newest first, with invitation and response counts."""
    if not roles.is_member(user):
        raise PermissionDenied
    # One subquery per count: two COUNT(DISTINCT) over both joins would multiply every
    # survey's invitations by its responses before counting (seconds with a few thousand each).
    invited = (
        Invitation.objects.filter(survey=OuterRef("pk"), sent_at__isnull=False)
        .order_by()
        .values("survey")
        .annotate(n=Count("id"))
        .values("n")
    )
    responses = (
        Response.objects.filter(survey=OuterRef("pk"))
        .order_by()
        .values("survey")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Survey.objects.annotate(
        n_invited=Coalesce(Subquery(invited), 0),
        n_responses=Coalesce(Subquery(responses), 0),
    ).order_by("-created_at", "-id")


def get_survey_for_user(user: User, pk: int, *, write: bool = False) -> Survey:
    """The survey; 404 if there is none, PermissionDenied for outsiders (and non-managers
    when ``write``)."""
    if not roles.is_member(user) or (write and not roles.is_manager(user)):
        raise PermissionDenied
    survey = Survey.objects.filter(pk=pk).first()
    if survey is None:
        raise Http404("No such survey.")
    return survey


def questions_of(survey: Survey) -> list[Question]:
    return list(survey.questions.select_related("show_if").order_by("position", "id"))


def question_of(survey: Survey, pk: int) -> Question:
    """One of the survey's questions; 404 for another survey's or none."""
    question = Question.objects.filter(survey=survey, pk=pk).select_related("survey").first()
    if question is None:
        raise Http404("No such question in this survey.")
    return question


def invitation_by_token(token: str) -> Invitation:
    """The public link's invitation, with its survey; 404 for an unknown token."""
    invitation = Invitation.objects.select_related("survey").filter(token=token).first()
    if invitation is None:
        raise Http404("No such survey link.")
    return invitation


def survey_by_embed_key(key: str) -> Survey:
    survey = Survey.objects.filter(embed_key=key, audience=Survey.Audience.CUSTOMERS).first()
    if survey is None:
        raise Http404("No such survey.")
    return survey


def responses_for_user(user: User, *, survey: Survey | None = None) -> QuerySet[Response]:
    """Responses a member may read, newest first, with their answers."""
    if not roles.is_member(user):
        raise PermissionDenied
    qs = Response.objects.select_related("survey", "zone", "team").prefetch_related(
        Prefetch(
            "answers", queryset=Answer.objects.select_related("question").prefetch_related("themes")
        )
    )
    if survey is not None:
        qs = qs.filter(survey=survey)
    return qs.order_by("-submitted_at", "-id")


def get_answer_for_user(user: User, pk: int) -> Answer:
    if not roles.is_member(user):
        raise PermissionDenied
    answer = Answer.objects.select_related("question", "response").filter(pk=pk).first()
    if answer is None:
        raise Http404("No such answer.")
    return answer


# --- Results ---------------------------------------------------------------------------------


def nps_of(promoters: int, detractors: int, total: int) -> int | None:
    return None if not total else round(100 * (promoters - detractors) / total)


def results(survey: Survey) -> dict[str, Any]:
    """The numbers of the survey's results page: response rate, score summary and distribution,
    the monthly trend, and breakdowns (groups smaller than the minimum are withheld)."""
    invited = survey.invitations.filter(sent_at__isnull=False).count()
    answered_invitations = survey.invitations.filter(
        sent_at__isnull=False, answered_at__isnull=False
    ).count()
    responses = survey.responses.all()
    total = responses.count()
    scored = responses.exclude(score__isnull=True)
    measure = scored.values_list("measure", flat=True).first() or ""
    distribution: dict[int, int] = {
        int(score): n
        for score, n in scored.values("score").annotate(n=Count("id")).values_list("score", "n")
        if score is not None
    }
    out: dict[str, Any] = {
        "invited": invited,
        "responses": total,
        "response_rate": round(100 * answered_invitations / invited, 1) if invited else None,
        "measure": measure,
        "distribution": distribution,
        "scored": sum(distribution.values()),
    }
    n = out["scored"]
    if measure == "nps":
        promoters = sum(v for k, v in distribution.items() if k >= 9)
        detractors = sum(v for k, v in distribution.items() if k <= 6)
        out["nps"] = {
            "score": nps_of(promoters, detractors, n),
            "promoters": promoters,
            "passives": n - promoters - detractors,
            "detractors": detractors,
        }
    elif n:
        mean = sum(k * v for k, v in distribution.items()) / n
        out["mean"] = round(mean, 2)
        out["satisfied_pct"] = round(100 * sum(v for k, v in distribution.items() if k >= 4) / n, 1)
    trend = []
    for row in (
        scored.annotate(month=TruncMonth("submitted_at"))
        .values("month")
        .annotate(
            n=Count("id"),
            total=Sum("score"),
            promoters=Count("id", filter=Q(score__gte=9)),
            detractors=Count("id", filter=Q(score__lte=6)),
        )
        .order_by("month")
    ):
        if measure == "nps":
            value = nps_of(row["promoters"], row["detractors"], row["n"])
        else:
            value = round(row["total"] / row["n"], 2)
        trend.append((row["month"].date(), value, row["n"]))
    out["trend"] = trend
    out["breakdowns"] = {
        # Small groups are withheld on anonymous surveys only: there they could name a person.
        name: _breakdown(scored, path, measure, survey.min_group_size if survey.anonymous else 1)
        for name, path in (
            ("Zone", "zone__name"),
            ("Campaign", "campaign__name"),
            ("Team", "team__name"),
        )
    }
    return out


def _breakdown(
    scored: QuerySet[Response], path: str, measure: str, min_size: int
) -> list[dict[str, Any]]:
    rows = []
    for row in (
        scored.exclude(**{f"{path}__isnull": True})
        .values(path)
        .annotate(
            n=Count("id"),
            total=Sum("score"),
            promoters=Count("id", filter=Q(score__gte=9)),
            detractors=Count("id", filter=Q(score__lte=6)),
        )
        .order_by(path)
    ):
        if row["n"] < min_size:
            rows.append({"name": row[path], "n": row["n"], "value": None, "withheld": True})
            continue
        value = (
            nps_of(row["promoters"], row["detractors"], row["n"])
            if measure == "nps"
            else round(row["total"] / row["n"], 2)
        )
        rows.append({"name": row[path], "n": row["n"], "value": value, "withheld": False})
    return rows


def text_answers(
    survey: Survey,
    *,
    search: str = "",
    theme: Theme | None = None,
    question: int | None = None,
    max_score: int | None = None,
) -> QuerySet[Answer]:
    """Every text answer of the survey, newest first, filtered; themes prefetched."""
    qs = (
        Answer.objects.filter(response__survey=survey, question__kind__in=["short", "long"])
        .exclude(text="")
        .select_related("question", "response__zone", "response__team")
        .prefetch_related("themes")
        .order_by("-response__submitted_at", "-id")
    )
    if search:
        qs = qs.filter(text__icontains=search[:100])
    if theme is not None:
        qs = qs.filter(themes=theme)
    if question:
        qs = qs.filter(question_id=question)
    if max_score is not None:
        qs = qs.filter(response__score__lte=max_score)
    return qs


def theme_list() -> QuerySet[Theme]:
    return Theme.objects.order_by("name")


def themes_by_month(months: int = 6, *, today: date | None = None) -> dict[str, Any]:
    """Recurring themes: how many answers each theme tagged, per month, for the last
    ``months`` months (every team sees this)."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    start, _ = _month_bounds(first)
    rows = (
        Answer.themes.through.objects.filter(answer__response__submitted_at__gte=start)
        .annotate(month=TruncMonth("answer__response__submitted_at"))
        .values("month", "theme__name")  # type: ignore[misc]
        .annotate(n=Count("id"))
    )
    columns = []
    cursor = first
    while cursor <= today:
        columns.append(cursor)
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    table: dict[str, dict[date, int]] = defaultdict(dict)
    for row in rows:
        table[row["theme__name"]][row["month"].date()] = row["n"]
    ordered = sorted(table.items(), key=lambda kv: -sum(kv[1].values()))
    return {
        "months": columns,
        "rows": [
            {
                "name": name,
                "counts": [counts.get(m, 0) for m in columns],
                "total": sum(counts.values()),
            }
            for name, counts in ordered
        ],
    }


def review_feedback(month: date) -> dict[str, Any]:
    """For the monthly KPI review and the monthly summary: the month's response count, CSAT,
    NPS and team communication (with counts), its top themes and a few notable comments."""
    start, end = _month_bounds(month)
    responses = Response.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
    agg = responses.aggregate(
        n=Count("id"),
        csat_n=Count("id", filter=Q(measure="csat")),
        csat_sum=Sum("score", filter=Q(measure="csat")),
        nps_n=Count("id", filter=Q(measure="nps")),
        promoters=Count("id", filter=Q(measure="nps", score__gte=9)),
        detractors=Count("id", filter=Q(measure="nps", score__lte=6)),
        comm_n=Count("id", filter=Q(measure="comm")),
        comm_sum=Sum("score", filter=Q(measure="comm")),
    )
    themes = (
        Answer.themes.through.objects.filter(
            answer__response__submitted_at__gte=start, answer__response__submitted_at__lt=end
        )
        .values("theme__name")
        .annotate(n=Count("id"))
        .order_by("-n", "theme__name")[:5]
    )
    comments = (
        Answer.objects.filter(
            response__submitted_at__gte=start,
            response__submitted_at__lt=end,
            question__kind="long",
            response__score__isnull=False,
        )
        .exclude(text="")
        .select_related("response__survey")
        .order_by("response__score", "-response__submitted_at")[:5]
    )
    return {
        "month": month.replace(day=1),
        "responses": agg["n"],
        "csat": round(agg["csat_sum"] / agg["csat_n"], 2) if agg["csat_n"] else None,
        "csat_count": agg["csat_n"],
        "nps": nps_of(agg["promoters"], agg["detractors"], agg["nps_n"]),
        "nps_count": agg["nps_n"],
        "comm": round(agg["comm_sum"] / agg["comm_n"], 2) if agg["comm_n"] else None,
        "comm_count": agg["comm_n"],
        "themes": [{"name": t["theme__name"], "count": t["n"]} for t in themes],
        "comments": [
            {"survey": a.response.survey.title, "score": a.response.score, "text": a.text}
            for a in comments
        ],
    }


def daily_inputs(
    start: date, end: date, *, zone_id: int | None = None, campaign_id: int | None = None
) -> dict[date, dict[str, Decimal]]:
    """KPI source: per local day in [start, end], sums, counts and sums of squares of CSAT,
    promo-recipient CSAT and team communication scores, and NPS promoters/detractors/count."""
    tz = timezone.get_current_timezone()
    qs = Response.objects.filter(
        submitted_at__gte=datetime.combine(start, time.min, tzinfo=tz),
        submitted_at__lt=datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
        score__isnull=False,
    ).exclude(measure="")
    if zone_id is not None:
        qs = qs.filter(zone_id=zone_id)
    if campaign_id is not None:
        qs = qs.filter(campaign_id=campaign_id)
    out: dict[date, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for day, measure, promo, score, n in (
        qs.annotate(day=TruncDate("submitted_at", tzinfo=tz))
        .values_list("day", "measure", "promo", "score")
        .annotate(n=Count("id"))
        .order_by()
    ):
        inputs = out[day]
        n_, s = Decimal(n), Decimal(score)
        if measure in ("csat", "comm"):
            inputs[f"{measure}_sum"] += s * n_
            inputs[f"{measure}_count"] += n_
            inputs[f"{measure}_sumsq"] += s * s * n_
            if measure == "csat" and promo:
                inputs["promo_csat_sum"] += s * n_
                inputs["promo_csat_count"] += n_
                inputs["promo_csat_sumsq"] += s * s * n_
        elif measure == "nps":
            inputs["nps_count"] += n_
            if score >= 9:
                inputs["nps_promoters"] += n_
            elif score <= 6:
                inputs["nps_detractors"] += n_
    return {day: dict(v) for day, v in out.items()}


def customer_surveyed_since(email: str, since: datetime) -> bool:
    return Invitation.objects.filter(email=email.strip().lower(), created_at__gte=since).exists()


def csv_rows(survey: Survey) -> tuple[list[str], list[list[Any]]]:
    """Header and rows for the results CSV (one row per response, a column per question).
    Anonymous surveys export no customer column."""
    questions = questions_of(survey)
    header = ["response id", "submitted at", "source", "score", "zone", "campaign", "team"]
    if not survey.anonymous:
        header += ["customer id", "order"]
    header += [q.text for q in questions]
    rows = []
    for r in (
        Response.objects.filter(survey=survey)
        .select_related("zone", "campaign", "team", "delivery")
        .prefetch_related("answers")
        .order_by("-submitted_at", "-id")
    ):
        by_q = {a.question_id: a.display for a in r.answers.all()}
        row: list[Any] = [
            r.pk,
            r.submitted_at.isoformat(),
            r.source,
            "" if r.score is None else r.score,
            r.zone.name if r.zone else "",
            r.campaign.name if r.campaign else "",
            r.team.name if r.team else "",
        ]
        if not survey.anonymous:
            row += [
                r.customer_id or "",
                r.order_ref or (r.delivery.dispatch_id if r.delivery else ""),
            ]
        row += [by_q.get(q.pk, "") for q in questions]
        rows.append(row)
    return header, rows


# --- Home page -------------------------------------------------------------------------------

HOME_DAYS = 30


def feedback_for_home(user: User, *, now: datetime | None = None) -> dict[str, Any] | None:
    """The home page's feedback block: the person's own unanswered survey links (any signed-in
    person) and, for members, the last 30 days of each open survey. Two queries."""
    if not user.is_authenticated:
        return None
    now = now or timezone.now()
    to_answer = list(
        Invitation.objects.filter(
            email=(user.email or "").strip().lower(),
            answered_at__isnull=True,
            sent_at__isnull=False,
            expires_at__gt=now,
            survey__status=Survey.Status.ACTIVE,
        )
        .exclude(email="")
        .select_related("survey")
        .order_by("expires_at", "id")[:5]
    )
    recent: list[dict[str, Any]] = []
    if roles.is_member(user):
        since = now - timedelta(days=HOME_DAYS)
        window = Q(responses__submitted_at__gte=since)
        scored = window & Q(responses__score__isnull=False)
        for survey in (
            Survey.objects.filter(status=Survey.Status.ACTIVE)
            .annotate(
                n=Count("responses", filter=window),
                n_scored=Count("responses", filter=scored),
                total=Sum("responses__score", filter=scored),
                promoters=Count("responses", filter=scored & Q(responses__score__gte=9)),
                detractors=Count("responses", filter=scored & Q(responses__score__lte=6)),
                nps_n=Count("responses", filter=scored & Q(responses__measure="nps")),
            )
            .order_by("-n", "title", "id")[:4]
        ):
            if survey.nps_n:
                value = nps_of(survey.promoters, survey.detractors, survey.n_scored)
                label = f"NPS {value:+d}" if value is not None else ""
            elif survey.n_scored:
                label = f"{survey.total / survey.n_scored:.2f} / 5"
            else:
                label = ""
            recent.append({"survey": survey, "responses": survey.n, "score": label})
    return {
        "to_answer": to_answer,
        "recent": recent,
        "days": HOME_DAYS,
        "is_member": roles.is_member(user),
    }
