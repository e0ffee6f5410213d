"""Feedback pages for signed-in people: surveys, their builder and sending, results, themes."""

from __future__ import annotations

import csv
from datetime import datetime

from csp.decorators import csp_update
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from feedback import charts, selectors, services
from feedback.forms import ImportForm, QuestionEditForm, QuestionForm, SurveyForm, TagForm
from feedback.models import Survey, Theme
from feedback.templates_catalog import TEMPLATES
from hub import roles
from hub.decorators import manager_required, member_required
from hub.errors import DomainError

CSV_RISKY = ("=", "+", "-", "@", "\t", "\r")
# plotly.js styles its own SVG inline; scripts stay 'self' only.
charts_csp = csp_update({"style-src": ["'unsafe-inline'"]})


@member_required
def index(request: HttpRequest) -> HttpResponse:
    surveys = selectors.survey_list(request.user)
    return render(
        request,
        "feedback/index.html",
        {
            "surveys": surveys,
            "templates": [(k, t["label"]) for k, t in TEMPLATES.items()],
            "is_manager": roles.is_manager(request.user),
            "themes": selectors.themes_by_month(6),
        },
    )


@manager_required
@require_POST
def survey_new(request: HttpRequest) -> HttpResponse:
    try:
        key = request.POST.get("template", "")
        if key:
            survey = services.survey_from_template(actor=request.user, key=key)
        else:
            survey = services.survey_save(
                actor=request.user,
                data={"title": request.POST.get("title", ""), "audience": "customers"},
            )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("feedback:index")
    messages.success(request, "Survey created as a draft: check the questions, then open it.")
    return redirect("feedback:survey_detail", pk=survey.pk)


@member_required
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    write = request.method == "POST"
    survey = selectors.get_survey_for_user(request.user, pk, write=write)
    form = SurveyForm(request.POST or None, instance=survey)
    if write and form.is_valid():
        try:
            services.survey_save(actor=request.user, survey=survey, data=form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Survey saved.")
            return redirect("feedback:survey_detail", pk=survey.pk)
    survey.refresh_from_db()
    embed_url = request.build_absolute_uri(reverse("survey_public:embed", args=[survey.embed_key]))
    return render(
        request,
        "feedback/survey_detail.html",
        {
            "survey": survey,
            "form": form,
            "questions": selectors.questions_of(survey),
            "question_form": QuestionForm(survey=survey),
            "import_form": ImportForm(),
            "is_manager": roles.is_manager(request.user),
            "embed_url": embed_url,
            "numbers": selectors.results(survey),
        },
        status=400 if write else 200,
    )


@member_required
@require_POST
def question_add(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.get_survey_for_user(request.user, pk, write=True)
    form = QuestionForm(request.POST, survey=survey)
    if not form.is_valid():
        messages.error(request, "Check the question: " + form.errors.as_text())
        return redirect("feedback:survey_detail", pk=pk)
    data = form.cleaned_data
    try:
        services.question_add(
            actor=request.user,
            survey=survey,
            kind=data["kind"],
            text=data["text"],
            required=data["required"],
            choices=data["choices"].splitlines(),
            measures=data["measures"] or "",
            show_if=data["show_if"],
            show_if_values=[v for v in data["show_if_values"].split(",") if v.strip()],
            external_ref=data["external_ref"],
        )
        messages.success(request, "Question added.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("feedback:survey_detail", pk=pk)


@member_required
@require_POST
def question_delete(request: HttpRequest, pk: int, qpk: int) -> HttpResponse:
    survey = selectors.get_survey_for_user(request.user, pk, write=True)
    question = selectors.question_of(survey, qpk)
    try:
        services.question_delete(actor=request.user, question=question)
        messages.success(request, "Question removed.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("feedback:survey_detail", pk=pk)


@member_required
@require_POST
def question_edit(request: HttpRequest, pk: int, qpk: int) -> HttpResponse:
    survey = selectors.get_survey_for_user(request.user, pk, write=True)
    question = selectors.question_of(survey, qpk)
    form = QuestionEditForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError("Check the question: " + form.errors.as_text())
        data = form.cleaned_data
        services.question_update(
            actor=request.user,
            question=question,
            text=data["text"],
            required=data["required"],
            help_text=data["help_text"],
            choices=data["choices"].splitlines() if question.choices else None,
        )
        messages.success(request, "Question saved.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("feedback:survey_detail", args=[pk]) + f"#question-{qpk}")


@member_required
@require_POST
def question_move(request: HttpRequest, pk: int, qpk: int) -> HttpResponse:
    """The keyboard and no-script way to reorder: one step up or down."""
    survey = selectors.get_survey_for_user(request.user, pk, write=True)
    question = selectors.question_of(survey, qpk)
    offset = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    try:
        if offset is None:
            raise DomainError("Move a question up or down.")
        services.question_move(actor=request.user, question=question, offset=offset)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("feedback:survey_detail", args=[pk]) + f"#question-{qpk}")


@member_required
@require_POST
def questions_order(request: HttpRequest, pk: int) -> JsonResponse:
    """The editor's drag and drop saves the whole order here (question ids, top first)."""
    survey = selectors.get_survey_for_user(request.user, pk, write=True)
    try:
        questions = services.questions_reorder(
            actor=request.user, survey=survey, order=request.POST.getlist("order")
        )
    except DomainError as exc:
        return JsonResponse({"detail": exc.message}, status=400)
    return JsonResponse({"order": [q.pk for q in questions], "detail": "Order saved."})


@member_required
@require_POST
def survey_status(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.get_survey_for_user(request.user, pk, write=True)
    try:
        services.survey_set_status(
            actor=request.user, survey=survey, status=request.POST.get("status", "")
        )
        messages.success(request, f"Survey {survey.get_status_display().lower()}.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("feedback:survey_detail", pk=pk)


@member_required
@require_POST
def survey_send(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.get_survey_for_user(request.user, pk, write=True)
    try:
        sent = services.survey_send(
            actor=request.user, survey=survey, round=f"now:{timezone.localdate():%Y-%m-%d}"
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if sent:
            messages.success(request, f"{sent} invitation{'s' if sent != 1 else ''} on the way.")
        else:
            messages.info(request, "Nobody new to invite today (already invited or opted out).")
    return redirect("feedback:survey_detail", pk=pk)


@member_required
@require_POST
def survey_import(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.get_survey_for_user(request.user, pk, write=True)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a CSV file.")
        return redirect("feedback:survey_detail", pk=pk)
    upload = form.cleaned_data["file"]
    if upload.size > 10 * 1024 * 1024:
        messages.error(request, "The file is larger than 10 MB; split it.")
        return redirect("feedback:survey_detail", pk=pk)
    try:
        text = upload.read().decode("utf-8-sig")
        result = services.responses_import_csv(actor=request.user, survey=survey, text=text)
    except UnicodeDecodeError:
        messages.error(request, "The file is not UTF-8 text; export it again as CSV.")
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{result.stored} responses imported, {result.skipped} skipped.")
        for problem in result.problems[:5]:
            messages.warning(request, problem)
    return redirect("feedback:survey_detail", pk=pk)


def _filters(request: HttpRequest, survey: Survey) -> dict:
    theme = Theme.objects.filter(pk=request.GET.get("theme") or 0).first()
    max_score = request.GET.get("max_score", "")
    return {
        "search": request.GET.get("q", "").strip()[:100],
        "theme": theme,
        "max_score": int(max_score) if max_score.isdigit() else None,
    }


@member_required
@charts_csp
def results(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.get_survey_for_user(request.user, pk)
    filters = _filters(request, survey)
    page = Paginator(selectors.text_answers(survey, **filters), 20).get_page(
        request.GET.get("page")
    )
    context = {
        "survey": survey,
        "page": page,
        "filters": filters,
        "themes": selectors.theme_list(),
        "can_tag": services.can_tag(request.user),
        "query": request.GET.urlencode(),
    }
    if request.htmx and request.GET.get("partial") == "answers":
        return render(request, "feedback/_answers.html", context)
    numbers = selectors.results(survey)
    scale_question = next((q for q in selectors.questions_of(survey) if q.measures), None)
    label = {"nps": "NPS", "csat": "CSAT (1–5)", "comm": "Communication (1–5)"}.get(
        numbers["measure"], "Average score"
    )
    context.update(
        numbers=numbers,
        label=label,
        distribution_json=charts.distribution_figure(
            numbers["distribution"], scale_question.scale if scale_question else range(1, 6)
        )
        if numbers["scored"]
        else "",
        trend_json=charts.trend_figure(numbers["trend"], label) if numbers["trend"] else "",
    )
    return render(request, "feedback/results.html", context)


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(CSV_RISKY):
        return "'" + value
    return value


@member_required
def results_csv(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.get_survey_for_user(request.user, pk)
    header, rows = selectors.csv_rows(survey)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}-responses.csv"'
    writer = csv.writer(response)
    writer.writerow([_cell(h) for h in header])
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return response


@member_required
@require_POST
def answer_tag(request: HttpRequest, pk: int) -> HttpResponse:
    answer = selectors.get_answer_for_user(request.user, pk)
    if not services.can_tag(request.user):
        raise PermissionDenied
    error = ""
    remove = request.POST.get("remove")
    try:
        if remove:
            theme = Theme.objects.filter(pk=remove).first()
            if theme is not None:
                services.answer_untag(actor=request.user, answer=answer, theme=theme)
        else:
            form = TagForm(request.POST)
            if not form.is_valid():
                raise DomainError("Name the theme (at most 60 characters).")
            services.answer_tag(actor=request.user, answer=answer, name=form.cleaned_data["theme"])
    except DomainError as exc:
        error = exc.message
    if request.htmx:
        return render(
            request,
            "feedback/_answer_themes.html",
            {"a": answer, "can_tag": True, "error": error},
            status=400 if error else 200,
        )
    if error:
        messages.error(request, error)
    return redirect(reverse("feedback:results", args=[answer.response.survey_id]))


@member_required
def themes(request: HttpRequest) -> HttpResponse:
    month = request.GET.get("month", "")
    try:
        review = selectors.review_feedback(datetime.strptime(month, "%Y-%m").date())  # noqa: DTZ007
    except ValueError:
        review = None
    return render(
        request,
        "feedback/themes.html",
        {"themes": selectors.themes_by_month(12), "review": review},
    )
