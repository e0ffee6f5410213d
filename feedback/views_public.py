"""Public survey pages (no login): the invitation link, its thank-you and unsubscribe pages, and
the embeddable survey for the order-tracking page. They show nothing about anyone but the
link's own invitation, are rate-limited, and escape every answer they show."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from feedback import ratelimit, selectors, services
from feedback.models import Survey
from hub.errors import DomainError
from hub.models import Delivery

EMBED_SALT = "feedback.embed"
EMBED_MAX_AGE = 6 * 3600


def _too_many(request: HttpRequest) -> HttpResponse:
    response = render(
        request,
        "feedback/public/message.html",
        {
            "title": "Slow down a little",
            "text": "Too many requests from your connection. Wait a minute and try again.",
        },
        status=429,
    )
    response["Retry-After"] = "60"
    return response


def _form_context(survey: Survey, data=None, errors=None) -> dict:
    questions = selectors.questions_of(survey)
    data = data or {}
    return {
        "survey": survey,
        "questions": [
            {
                "q": q,
                "name": f"q{q.pk}",
                "given": list(data.getlist(f"q{q.pk}")) if hasattr(data, "getlist") else [],
            }
            for q in questions
        ],
        "errors": errors or {},
    }


@login_not_required
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    if not ratelimit.allow_request(request, token):
        return _too_many(request)
    invitation = selectors.invitation_by_token(token)
    state = services.expired_or_answered(invitation, timezone.now())
    if state:
        return render(
            request, f"feedback/public/{state}.html", {"survey": invitation.survey}, status=410
        )
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            services.response_submit(
                survey=invitation.survey, invitation=invitation, data=request.POST
            )
        except DomainError as exc:
            if exc.code in ("answered", "expired"):
                return render(
                    request,
                    f"feedback/public/{exc.code}.html",
                    {"survey": invitation.survey},
                    status=410,
                )
            errors = {exc.field or "form": exc.message}
        else:
            return redirect("survey_public:thanks", token=token)
    context = _form_context(invitation.survey, request.POST if errors else None, errors)
    context["action"] = request.path
    return render(request, "feedback/public/answer.html", context, status=400 if errors else 200)


@login_not_required
def thanks(request: HttpRequest, token: str) -> HttpResponse:
    invitation = selectors.invitation_by_token(token)
    return render(request, "feedback/public/thanks.html", {"survey": invitation.survey})


@login_not_required
@csrf_exempt  # RFC 8058 one-click: mail clients POST without a CSRF token; the link is the key.
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    if not ratelimit.allow_request(request, f"unsub:{token}"):
        return _too_many(request)
    invitation = selectors.invitation_by_token(token)
    if request.method == "POST":
        services.optout_create(email=invitation.email)
        return render(
            request,
            "feedback/public/message.html",
            {
                "title": "You are unsubscribed",
                "text": "You will get no more surveys or reminders from us at this address.",
            },
        )
    return render(request, "feedback/public/unsubscribe.html", {"survey": invitation.survey})


def _frame_ancestors(survey: Survey) -> list[str]:
    origins = [o for o in survey.embed_origins.split() if o.startswith(("https://", "http://"))]
    return origins or ["https:"]


@login_not_required
@xframe_options_exempt
@csrf_exempt  # third-party iframes get no CSRF cookie; a signed, expiring form token instead
@require_http_methods(["GET", "POST"])
def embed(request: HttpRequest, key: str) -> HttpResponse:
    survey = selectors.survey_by_embed_key(key)
    if not ratelimit.allow_request(request, f"embed:{key}:{ratelimit.client_ip(request)}"):
        return _too_many(request)
    if survey.status != Survey.Status.ACTIVE:
        response = render(
            request, "feedback/public/embed_message.html", {"text": "This survey is closed."}
        )
        return _framable(response, survey)
    errors: dict[str, str] = {}
    order = (request.GET.get("order") or "").strip()[:64]
    if request.method == "POST":
        try:
            order = signing.loads(
                request.POST.get("form_token", ""), salt=EMBED_SALT, max_age=EMBED_MAX_AGE
            )["order"]
        except (signing.BadSignature, KeyError, TypeError):
            errors = {"form": "This form is too old. Reload the page and answer again."}
        else:
            delivery = Delivery.objects.filter(dispatch_id=order).first() if order else None
            try:
                services.response_submit(
                    survey=survey,
                    data=request.POST,
                    facts=services.Facts(delivery=delivery, order_ref=order),
                    source="embed",
                )
            except DomainError as exc:
                if exc.code == "duplicate":
                    return _framable(
                        render(
                            request,
                            "feedback/public/embed_message.html",
                            {"text": "This order's feedback is already in. Thank you!"},
                        ),
                        survey,
                    )
                errors = {exc.field or "form": exc.message}
            else:
                return _framable(
                    render(
                        request,
                        "feedback/public/embed_message.html",
                        {"text": survey.thank_you or "Thank you! Your answer helps every team."},
                    ),
                    survey,
                )
    context = _form_context(survey, request.POST if errors else None, errors)
    context.update(
        embedded=True,
        action=request.path,
        form_token=signing.dumps({"order": order}, salt=EMBED_SALT),
    )
    response = render(
        request, "feedback/public/answer.html", context, status=400 if errors else 200
    )
    return _framable(response, survey)


def _framable(response: HttpResponse, survey: Survey) -> HttpResponse:
    # Only this view may be framed, and only by the sites the survey names.
    response._csp_replace = {"frame-ancestors": _frame_ancestors(survey)}  # type: ignore[attr-defined]
    return response
