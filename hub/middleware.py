import math

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpResponse, JsonResponse
from django.urls import Resolver404, get_resolver

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


class MachineRoutesMiddleware:
    """Serve the signed machine endpoints (settings.CROSSDOCK_MACHINE_ROUTES: prefix → URLconf,
    e.g. the providers' webhooks under /hooks/) without the browser chain that follows it.

    Sessions, CSRF, authentication, messages, htmx, the sign-in stages and the page CSP serve
    people in a browser. A webhook carries its own proof (the token in its URL and the
    provider's signature, which its view checks), sets no cookie and renders no page, and that
    chain cost most of its CPU. Everything before this middleware still applies (the security
    headers, the rate limit); the host is checked against ALLOWED_HOSTS as CommonMiddleware
    would; the answer says it may not be framed or run anything (it is JSON). A path the
    route's URLconf does not match goes through the full chain as before (404 page, slashes).
    """

    HEADERS = {
        "X-Frame-Options": "DENY",
        "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        for prefix, urlconf in settings.CROSSDOCK_MACHINE_ROUTES.items():
            if path.startswith(prefix):
                try:
                    match = get_resolver(urlconf).resolve(path[len(prefix) - 1 :])
                except Resolver404:
                    break
                request.get_host()  # DisallowedHost (400) for a host not in ALLOWED_HOSTS
                request.resolver_match = match
                response = match.func(request, *match.args, **match.kwargs)
                for name, value in self.HEADERS.items():
                    response.headers.setdefault(name, value)
                return response
        return self.get_response(request)


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
