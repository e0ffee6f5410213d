import math

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpResponse, JsonResponse

from hub import ratelimit


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every page needs a signed-in person, except views marked ``login_not_required``.

    The API is left to DRF, which authenticates sessions and tokens itself and answers
    401/403 in JSON instead of redirecting to the login page.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith(("/api/v1/", "/api/schema/")):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class RateLimitMiddleware:
    """Limit requests per client address on the public endpoints (settings.CROSSDOCK_RATE_LIMITS).

    Answers 429 with Retry-After before any view runs; a webhook sender retries later, as every
    provider we serve does on 429.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for prefix, rate in settings.CROSSDOCK_RATE_LIMITS.items():
            if request.path_info.startswith(prefix):
                wait = ratelimit.hit(prefix, ratelimit.client_ip(request), rate)
                if wait is not None:
                    return self._too_many(request, wait)
                break
        return self.get_response(request)

    @staticmethod
    def _too_many(request, wait: float):
        seconds = math.ceil(wait)
        message = f"Too many requests from this address; try again in {seconds} s."
        if request.path_info.startswith("/hooks/"):
            response = JsonResponse({"detail": message}, status=429)
        else:
            response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(seconds)
        return response


class RefuseNulMiddleware:
    """The API refuses NUL characters anywhere in a request with a 400: Postgres text cannot hold
    them, and a lookup with one would otherwise fail as a server error."""

    MARKS = (b"\x00", b"%00", b"\\u0000")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            query = request.META.get("QUERY_STRING", "").encode()
            kind = request.META.get("CONTENT_TYPE", "")
            # Uploads (multipart) are checked by the import that reads them, not read here.
            readable = request.method in ("POST", "PUT", "PATCH") and not kind.startswith(
                "multipart/"
            )
            body = request.body if readable else b""
            if any(mark in query or mark in body for mark in self.MARKS):
                return JsonResponse(
                    {"detail": "NUL characters are not allowed in a request.", "code": "invalid"},
                    status=400,
                )
        return self.get_response(request)
