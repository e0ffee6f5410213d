"""Links Crossdock stores or redirects to stay on this site.

A handoff's link and a form's ``next`` come from people; ``javascript:…``, ``//evil.example``
or ``/\\evil.example`` (which browsers read as another host) must never become a link or a
redirect. Django's ``url_has_allowed_host_and_scheme`` knows those tricks.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def is_site_path(url: str) -> bool:
    """Whether ``url`` is a path on this site (``/handoffs/12/``), nothing else."""
    return (
        url.startswith("/")
        and url_has_allowed_host_and_scheme(url, allowed_hosts=set())
        and not any(ch in url for ch in "\\\r\n\t")
    )


def safe_next(request: HttpRequest, url: str | None, fallback: str) -> str:
    """``url`` when it stays on this site, else ``fallback`` (for ``next=`` redirects)."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return fallback
