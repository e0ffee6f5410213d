"""Where Crossdock may send: public addresses only, so a channel URL cannot reach inside.

An admin pastes a webhook URL; without this check that URL could point at the metadata service
(169.254.169.254), the database, Redis or any host of the private network, and a test message
would carry the answer back. Every outbound HTTP request of a channel goes through ``session()``,
whose connections resolve the host themselves, refuse any address that is not global unicast
(loopback, private, link-local, carrier-grade NAT, multicast, reserved, unspecified, and IPv4
written as a decimal or hex number, which resolves to the same addresses), and connect to the
address they checked, so a name that changes its answer between the check and the connection
(DNS rebinding) gains nothing. Redirects are never followed and proxies from the environment
are ignored.

``CROSSDOCK_OUTBOUND_ALLOW_HOSTS`` names hosts an installation means to reach inside its own
network (an in-house service, the tests' local receivers on 127.0.0.1); they are matched on the
URL's host name exactly.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class UnsafeURL(ValueError):
    """The URL may not be used for an outbound channel; the message says why."""


class Unresolved(UnsafeURL):
    """The host name does not resolve (now)."""


def allowed_hosts() -> set[str]:
    return {h.strip().lower().strip("[]") for h in settings.CROSSDOCK_OUTBOUND_ALLOW_HOSTS}


def _blocked(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            return _blocked(str(mapped))
    return not ip.is_global or ip.is_multicast


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to; UnsafeURL if any of them is not public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Unresolved(f"{host} cannot be resolved.") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    for address in addresses:
        if _blocked(address):
            raise UnsafeURL(
                f"{host} points to {address}, an internal address; Crossdock only sends to "
                "public addresses."
            )
    return addresses


def check_url(url: str) -> None:
    """Refuse a channel URL (at save) that is not http(s) or leads to an internal address.

    A name that does not resolve yet is accepted here; the check at send time, on the
    connection itself, still applies.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeURL("The URL is not valid.") from exc
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UnsafeURL("Paste the webhook URL (https://…).")
    if parts.username or parts.password:
        raise UnsafeURL("Leave user names and passwords out of the URL.")
    host = parts.hostname.lower()
    if host in allowed_hosts():
        return
    try:
        resolve(host, port)
    except Unresolved:
        return


class _CheckedConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        original = self._dns_host
        host = original.rstrip(".").lower().strip("[]")
        if host not in allowed_hosts():
            # Connect to the address just checked; TLS still verifies the original name.
            self._dns_host = resolve(host, self.port)[0]
        try:
            return super()._new_conn()
        finally:
            self._dns_host = original


class _CheckedHTTPSConnection(_CheckedConnection, HTTPSConnection):
    pass


class _CheckedPool(HTTPConnectionPool):
    ConnectionCls = _CheckedConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class _CheckedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _CheckedPool, "https": _CheckedHTTPSPool}


def session() -> requests.Session:
    """A requests session that only reaches public addresses (or allowed hosts)."""
    s = requests.Session()
    s.trust_env = False  # an HTTP(S)_PROXY from the environment would bypass the check
    adapter = _CheckedAdapter()
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    return s


_kept = threading.local()


def _kept_session() -> requests.Session:
    """This thread's session, kept from message to message: a burst to Slack or Teams reuses
    one TLS connection instead of a handshake per message. Every new connection is still
    checked; a worker process forked from another makes its own."""
    if getattr(_kept, "pid", None) != os.getpid():
        _kept.session, _kept.pid = session(), os.getpid()
    return _kept.session


def post(url: str, *, timeout: float, **kwargs) -> requests.Response:
    """POST without following redirects, to a public address only. UnsafeURL if refused."""
    return _kept_session().post(url, timeout=timeout, allow_redirects=False, **kwargs)
